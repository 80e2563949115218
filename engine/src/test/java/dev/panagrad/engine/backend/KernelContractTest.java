package dev.panagrad.engine.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.panagrad.engine.backend.contract.KernelContract;
import dev.panagrad.engine.backend.scalar.ScalarBackend;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The contract itself: it passes the oracle and catches a kernel that is off by one rounding step. */
class KernelContractTest {

    /** The oracle with an axpy that adds one ulp too much to the last element. */
    private static final class OffByOneUlp extends ScalarBackend {
        @Override
        public String name() {
            return "off-by-one-ulp";
        }

        @Override
        public void axpy(int count, float alpha, Storage x, Storage y) {
            super.axpy(count, alpha, x, y);
            if (count > 0) {
                float[] v = y.array();
                v[count - 1] = Math.nextUp(v[count - 1] + 1e-3f);
            }
        }
    }

    @Test
    void theOracleMeetsItsOwnContract() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int failures = new KernelContract(new ScalarBackend(), 0).runAll(new PrintStream(log, true, StandardCharsets.UTF_8));
        assertThat(failures).isZero();
        assertThat(log.toString(StandardCharsets.UTF_8))
                .contains("ok   gemm 129 x 131 x 257 matches the oracle for every transpose and scale")
                .containsPattern("kernel contract on scalar: (\\d+) of \\1 cases pass");
    }

    @Test
    void aWrongKernelFailsItsCaseWithTheElementAndTheOracleValue() {
        KernelContract contract = new KernelContract(new OffByOneUlp(), 0);
        KernelContract.Case axpy = contract.cases().stream().filter(c -> c.name().equals("axpy matches the oracle"))
                .findFirst().orElseThrow();
        assertThatThrownBy(() -> axpy.check().run()).isInstanceOf(AssertionError.class)
                .hasMessageContaining("axpy n=1: element 0 is").hasMessageContaining("oracle");
    }

    @Test
    void runAllCountsFailuresAndGoesOnAfterThem() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int failures = new KernelContract(new OffByOneUlp(), 0).runAll(new PrintStream(log, true, StandardCharsets.UTF_8));
        String text = log.toString(StandardCharsets.UTF_8);
        // Batch norm's running statistics are defined through axpy, so its cases fail with it; the rest pass.
        long failLines = text.lines().filter(l -> l.startsWith("  FAIL ")).count();
        int cases = new KernelContract(new ScalarBackend(), 0).cases().size();
        assertThat(failures).isPositive().isEqualTo((int) failLines);
        assertThat(text).contains("FAIL axpy matches the oracle: axpy n=1")
                .contains("ok   gemm 129 x 131 x 257 matches the oracle for every transpose and scale")
                .contains("kernel contract on off-by-one-ulp: " + (cases - failures) + " of " + cases + " cases pass");
    }
}
