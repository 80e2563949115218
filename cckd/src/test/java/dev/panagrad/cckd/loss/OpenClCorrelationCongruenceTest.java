package dev.panagrad.cckd.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.Backends;
import dev.panagrad.engine.backend.opencl.OpenClBackend;
import dev.panagrad.engine.backend.simd.SimdBackend;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CC loss and its student gradient on the OpenCL backend against {@code simd}, for every kernel.
 * On the device the polynomial kernels take the tensor-op path instead of the host pass, so this also
 * checks that the two paths agree: the loss to 1e-4 relative, the gradient to 1e-3 of its largest entry.
 */
@Tag("opencl")
class OpenClCorrelationCongruenceTest {

    static Stream<CorrelationKernel> kernels() {
        return Stream.of(new CorrelationKernel.Bilinear(), CorrelationKernel.defaultKernel(),
                new CorrelationKernel.GaussianTaylor(4, 0.7), new CorrelationKernel.Gaussian(0.4),
                new CorrelationKernel.Mmd());
    }

    /** {loss, d loss / d student...} for a batch of 37 embeddings of width 29. */
    static float[] lossAndGradient(Backend backend, CorrelationKernel kernel) {
        try (var ignored = Backends.scoped(backend)) {
            Rng rng = new Rng(11);
            Tensor student = Tensor.randn(rng, 37, 29).requiresGrad(true);
            Tensor teacher = Tensor.randn(rng, 37, 29);
            Tensor loss = CorrelationCongruence.loss(student, teacher, kernel);
            loss.backward();
            float[] g = student.grad().toArray();
            float[] out = new float[g.length + 1];
            out[0] = loss.item();
            System.arraycopy(g, 0, out, 1, g.length);
            return out;
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void theLossAndItsGradientMatchTheSimdBackend(CorrelationKernel kernel) {
        assumeThat(Boolean.getBoolean("panagrad.test.skipOpenCL")).as("OpenCL tests skipped by request").isFalse();
        float[] want = lossAndGradient(new SimdBackend(), kernel);
        float[] got = lossAndGradient(OpenClBackend.shared(), kernel);

        assertThat(got[0]).as("loss").isCloseTo(want[0], Offset.offset(1e-4f * Math.abs(want[0]) + 1e-9f));
        float scale = 0f;
        for (int i = 1; i < want.length; i++) {
            scale = Math.max(scale, Math.abs(want[i]));
        }
        for (int i = 1; i < want.length; i++) {
            assertThat(got[i]).as("gradient %d", i - 1).isCloseTo(want[i], Offset.offset(1e-3f * scale));
        }
    }
}
