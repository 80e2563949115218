package dev.panagrad.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.panagrad.engine.backend.scalar.ScalarBackend;
import dev.panagrad.engine.profile.KernelTimes;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class OpProfilerTest {

    @Test
    void countsEachKernelCallWithItsFlops() {
        Rng rng = new Rng(1);
        Tensor a = Tensor.randn(rng, 8, 5).requiresGrad(true);
        Tensor b = Tensor.randn(rng, 5, 3);
        Map<String, KernelTimes.Row> rows;
        try (var s = Backends.scoped(new ScalarBackend()); OpProfiler p = OpProfiler.start()) {
            a.matmul(b).relu().sum().backward();
            rows = p.rows().stream().collect(Collectors.toMap(KernelTimes.Row::op, r -> r));
        }
        // forward: one 8x5x3 product; backward: dA = dY B^T, one more 8x3x5 product (matmul runs as a
        // batched GEMM of one)
        KernelTimes.Row gemm = rows.get("gemmBatched");
        assertThat(gemm.calls()).isEqualTo(2);
        assertThat(gemm.flops()).isEqualTo(2 * (2.0 * 8 * 5 * 3));
        assertThat(rows.get("unary RELU").calls()).isEqualTo(1);
        assertThat(rows.get("unaryBackward RELU").calls()).isEqualTo(1);
        assertThat(rows.get("unary RELU").flops()).isZero();
        assertThat(rows.get("unary RELU").gflops()).isNaN();
    }

    @Test
    void closingPutsTheProfiledBackendBack() {
        ScalarBackend scalar = new ScalarBackend();
        try (var s = Backends.scoped(scalar)) {
            try (OpProfiler p = OpProfiler.start()) {
                assertThat(Backends.current()).isNotSameAs(scalar);
                assertThat(Backends.current().describe()).endsWith("profiled");
            }
            assertThat(Backends.current()).isSameAs(scalar);
        }
    }

    @Test
    void theTableListsEveryKernelCalledAndTheTimeOutsideThem() {
        // the order by time is KernelTimesTest's to check, on recorded times: measured ones are noisy
        try (var s = Backends.scoped(new ScalarBackend()); OpProfiler p = OpProfiler.start()) {
            Tensor x = Tensor.randn(new Rng(2), 200, 200);
            x.matmul(x).exp().sum();
            String table = p.table();
            assertThat(table).contains("| kernel | calls | total ms | % wall | us/call | GFLOPS |")
                    .contains("| gemmBatched | 1 |").contains("| unary EXP | 1 |")
                    .contains("outside kernels").contains("timer resolution");
            assertThat(p.rows()).extracting(KernelTimes.Row::nanos).isSortedAccordingTo((a, b) -> Long.compare(b, a));
            p.reset();
            assertThat(p.rows()).isEmpty();
        }
    }
}
