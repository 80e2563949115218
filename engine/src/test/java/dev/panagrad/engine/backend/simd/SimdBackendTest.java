package dev.panagrad.engine.backend.simd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.backend.BackendKernelContract;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The {@code simd} backend's kernels against the scalar oracle. The build runs this class three times:
 * at the machine's widest species and with the Vector API limited to 128 and 256 bits.
 */
@Tag("kernels")
class SimdBackendTest extends BackendKernelContract {

    @Override
    protected Backend backend() {
        return new SimdBackend();
    }

    @Test
    void runsAtTheRequestedVectorWidth() {
        Integer bits = Integer.getInteger("panagrad.test.vectorBits");
        assumeThat(bits).as("no vector width requested").isNotNull();
        assertThat(FloatVector.SPECIES_PREFERRED.vectorBitSize()).isEqualTo(bits);
    }
}
