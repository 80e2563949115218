package dev.panagrad.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.panagrad.engine.backend.opencl.OpenClBackend;
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
    void aSecondGradientForANodeIsAddedIntoTheFirstWithTheSameBits() {
        // Between the two blocks, the first block's output feeds the second block's conv and its shortcut:
        // two gradients reach its node, and the pass alone holds the first one.
        GradientBuffers.setEnabled(false);
        long before = GradientBuffers.accumulatedCount();
        float[][] summedApart = residualBlockGradients();
        assertThat(GradientBuffers.accumulatedCount()).isEqualTo(before);
        GradientBuffers.setEnabled(true);
        float[][] summedInPlace = residualBlockGradients();
        assertThat(GradientBuffers.accumulatedCount()).isGreaterThan(before);
        for (int i = 0; i < summedApart.length; i++) {
            assertThat(summedInPlace[i]).containsExactly(summedApart[i]);
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

    @Test
    void anAccumulatedGradientThatAViewPassesOnStaysAliveUntilItsLastUse() {
        // e = 3x, viewed as a matrix, feeds two terms: its gradient is a sum that backward builds, and the
        // view's backward hands that very storage on to mul. Inside a scope a dead gradient goes back to
        // the pool at once, so releasing the sum one node early would make mul's backward fail.
        Tensor x = Tensor.randn(new Rng(4), 8192).requiresGrad(true);
        float[] expected = x.mul(18f).add(3f).toArray();
        try (TensorScope step = TensorScope.open()) {
            Tensor e = x.mul(3f).reshape(64, 128);
            e.sum().add(e.mul(e).sum()).backward();
        }
        float[] grad = x.grad().toArray();
        for (int i = 0; i < grad.length; i++) {
            assertThat(grad[i]).as("element %d", i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4f * (1 + Math.abs(expected[i]))));
        }
    }

    /** Two ResNet-like blocks (conv, batch norm, relu_, conv, batch norm, add_, relu_), 2 x 8 x 24 x 24. */
    private static float[][] residualBlockGradients() {
        Rng rng = new Rng(3);
        Tensor x = Tensor.randn(rng, 2, 8, 24, 24);
        Tensor[] params = ResidualBlocks.parameters(rng);
        Tensor h = ResidualBlocks.forward(x, params);
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
        Tensor y = ResidualBlocks.conv(x, w).relu();
        Tensor z = ResidualBlocks.conv(y, w).sigmoid().add(y.tanh());
        z.add(y).sum().backward();
        return w.grad().toArray();
    }
}
