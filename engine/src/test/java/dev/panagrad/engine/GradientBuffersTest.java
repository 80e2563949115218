package dev.panagrad.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.panagrad.engine.backend.opencl.OpenClBackend;
import dev.panagrad.engine.ops.BatchNormalization;
import dev.panagrad.engine.ops.Convolution;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GradientBuffersTest {

    @AfterEach
    void restore() {
        GradientBuffers.setEnabled(true);
    }

    @Test
    void reusingDeadGradientBuffersGivesBitIdenticalGradients() {
        assertReuseHappensAndKeepsTheBits();
    }

    @Test
    void onADeviceBackendStoragesAreReusedWithTheirDeviceBuffers() {
        assumeThat(Boolean.getBoolean("panagrad.test.skipOpenCL")).as("OpenCL tests skipped by request").isFalse();
        try (var device = Backends.scoped(OpenClBackend.shared())) {
            assertReuseHappensAndKeepsTheBits();
        }
    }

    /** Residual blocks' gradients without reuse, then with it: buffers were reused, and every bit agrees. */
    private static void assertReuseHappensAndKeepsTheBits() {
        GradientBuffers.setEnabled(false);
        float[][] fresh = residualBlockGradients();
        GradientBuffers.setEnabled(true);
        long before = GradientBuffers.reusedCount();
        float[][] reused = residualBlockGradients();
        assertThat(GradientBuffers.reusedCount()).isGreaterThan(before);
        for (int i = 0; i < fresh.length; i++) {
            assertThat(reused[i]).containsExactly(fresh[i]);
        }
    }

    @Test
    void aGradientThatIsStillPendingForAnotherInputIsNotReused() {
        // y = relu(h) used twice: its gradient reaches one node from two consumers, and one consumer
        // (add) hands the same tensor to both of its inputs.
        GradientBuffers.setEnabled(false);
        float[] fresh = sharedGradient();
        GradientBuffers.setEnabled(true);
        long before = GradientBuffers.reusedCount();
        assertThat(sharedGradient()).containsExactly(fresh);
        assertThat(GradientBuffers.reusedCount()).isGreaterThan(before);
    }

    /** Two ResNet-like blocks (conv, batch norm, relu_, conv, batch norm, add_, relu_), 2 x 8 x 24 x 24. */
    private static float[][] residualBlockGradients() {
        Rng rng = new Rng(3);
        Tensor x = Tensor.randn(rng, 2, 8, 24, 24);
        Tensor[] params = new Tensor[8];
        for (int i = 0; i < 4; i++) {
            params[i] = Tensor.randn(rng, 8, 8, 3, 3).mul(0.2f).requiresGrad(true);
        }
        for (int i = 4; i < 8; i++) {
            params[i] = Tensor.randn(rng, 8).mul(0.1f).add(i % 2 == 0 ? 1f : 0f).requiresGrad(true);
        }
        Tensor h = x;
        for (int b = 0; b < 2; b++) {
            Tensor a = conv(h, params[2 * b]);
            a = BatchNormalization.batchNorm(a, null, null, params[4 + 2 * b], params[5 + 2 * b], true, 0.1f, 1e-5f)
                    .reluInPlace();
            a = conv(a, params[2 * b + 1]);
            a = BatchNormalization.batchNorm(a, null, null, null, null, true, 0.1f, 1e-5f);
            h = a.addInPlace(h).reluInPlace();
        }
        h.mul(h).sum().backward();
        float[][] grads = new float[params.length][];
        for (int i = 0; i < params.length; i++) {
            grads[i] = params[i].grad().toArray();
        }
        return grads;
    }

    private static float[] sharedGradient() {
        Rng rng = new Rng(4);
        Tensor w = Tensor.randn(rng, 4, 4, 3, 3).mul(0.3f).requiresGrad(true);
        Tensor x = Tensor.randn(rng, 2, 4, 32, 32);
        Tensor y = conv(x, w).relu();
        Tensor z = conv(y, w).sigmoid().add(y.tanh());
        z.add(y).sum().backward();
        return w.grad().toArray();
    }

    private static Tensor conv(Tensor x, Tensor w) {
        return Convolution.conv2d(x, w, null, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1);
    }
}
