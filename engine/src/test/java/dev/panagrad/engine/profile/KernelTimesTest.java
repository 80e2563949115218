package dev.panagrad.engine.profile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class KernelTimesTest {

    @Test
    void rowsAddUpCallsTimeAndFlopsPerKernel() {
        KernelTimes t = new KernelTimes();
        t.record("gemm", 2_000_000, 8e6);
        t.record("gemm", 1_000_000, 4e6);
        t.record("unary EXP", 500_000, 0);

        List<KernelTimes.Row> rows = t.rows();

        assertThat(rows).containsExactly(new KernelTimes.Row("gemm", 2, 3_000_000, 12e6),
                new KernelTimes.Row("unary EXP", 1, 500_000, 0));
        // 12e6 flops in 3e6 ns = 4 flops per ns = 4 GFLOPS
        assertThat(rows.get(0).gflops()).isEqualTo(4.0);
        assertThat(rows.get(1).gflops()).isNaN();
    }

    @Test
    void rowsComeMostTimeFirstThenByName() {
        KernelTimes t = new KernelTimes();
        t.record("b", 10, 0);
        t.record("small", 5, 0);
        t.record("big", 900, 0);
        t.record("a", 10, 0);

        assertThat(t.rows()).extracting(KernelTimes.Row::op).containsExactly("big", "a", "b", "small");
    }

    @Test
    void theTableListsKernelsInThatOrderWithTheirMeanTimePerCall() {
        KernelTimes t = new KernelTimes();
        t.record("unary EXP", 250_000, 0);
        t.record("gemm", 3_000_000, 12e6);
        t.record("gemm", 1_000_000, 4e6);

        String table = t.table();

        assertThat(table).contains("| kernel | calls | total ms | % wall | us/call | GFLOPS |")
                .contains("| gemm | 2 | 4.00 |").contains("| 2000.0 | 4.0 |")
                .contains("| unary EXP | 1 | 0.25 |").contains("| 250.0 |  |")
                .contains("outside kernels").contains("timer resolution");
        assertThat(table.indexOf("| gemm |")).isLessThan(table.indexOf("| unary EXP |"));
    }

    @Test
    void resetForgetsEverything() {
        KernelTimes t = new KernelTimes();
        t.record("gemm", 10, 1);
        t.reset();
        assertThat(t.rows()).isEmpty();
    }
}
