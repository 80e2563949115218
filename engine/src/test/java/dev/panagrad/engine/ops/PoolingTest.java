package dev.panagrad.engine.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.panagrad.engine.GradCheck;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Shape;
import dev.panagrad.engine.Tensor;
import org.junit.jupiter.api.Test;

class PoolingTest {
    private final Rng rng = new Rng(81);
    /** One 4 x 4 plane holding 0..15. */
    private final Tensor plane = Tensor.arange(16).reshape(1, 1, 4, 4);

    @Test
    void maxPoolTakesTheWindowMaximum() {
        Tensor y = Pooling.maxPool2d(plane, new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0});
        assertThat(y.toArray()).containsExactly(5, 7, 13, 15);
    }

    @Test
    void maxPoolTreatsPaddingAsMinusInfinity() {
        Tensor neg = plane.neg().sub(1f); // -1 .. -16: padding must not win over negatives
        Tensor y = Pooling.maxPool2d(neg, new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1});
        assertThat(y.shape()).isEqualTo(Shape.of(1, 1, 2, 2));
        assertThat(y.toArray()).containsExactly(-1, -2, -5, -6);
    }

    @Test
    void avgPoolCountsPaddingInTheDivisor() {
        Tensor y = Pooling.avgPool2d(Tensor.ones(1, 1, 2, 2), new int[] {2, 2}, new int[] {2, 2}, new int[] {1, 1});
        assertThat(y.toArray()).containsExactly(0.25f, 0.25f, 0.25f, 0.25f);
    }

    @Test
    void adaptiveAveragePoolingUsesPyTorchsWindows() {
        // 5 columns to 3: windows [0, 2), [1, 4), [3, 5).
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5}, 1, 1, 1, 5);
        assertThat(Pooling.adaptiveAvgPool2d(x, 1, 3).toArray()).containsExactly(1.5f, 3f, 4.5f);
        assertThat(Pooling.adaptiveAvgPool2d(plane, 1, 1).item()).isEqualTo(7.5f);
    }

    @Test
    void tooMuchPaddingIsRejected() {
        assertThatThrownBy(() -> Pooling.maxPool2d(plane, new int[] {2, 2}, new int[] {2, 2}, new int[] {2, 0}))
                .hasMessage("maxPool2d: padding 2 x 0 must be at most half the kernel 2 x 2");
    }

    @Test
    void maxPoolGradientGoesToTheFirstMaximum() {
        Tensor x = Tensor.of(new float[] {1, 3, 3, 2}, 1, 1, 2, 2).requiresGrad(true);
        Pooling.maxPool2d(x, new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}).sum().backward();
        assertThat(x.grad().toArray()).containsExactly(0, 1, 0, 0);
    }

    @Test
    void gradientsOfMaxPooling() {
        Tensor x = Tensor.randn(rng, 2, 3, 7, 6).requiresGrad(true);
        GradCheck.assertGradients(in -> Pooling.maxPool2d(in[0], new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}), x);
        GradCheck.assertGradients(in -> Pooling.maxPool2d(in[0], new int[] {2, 3}, new int[] {1, 2}, new int[] {0, 1}), x);
    }

    @Test
    void gradientsOfAveragePooling() {
        Tensor x = Tensor.randn(rng, 2, 3, 7, 6).requiresGrad(true);
        GradCheck.assertGradients(in -> Pooling.avgPool2d(in[0], new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}), x);
        GradCheck.assertGradients(in -> Pooling.avgPool2d(in[0], new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}), x);
        GradCheck.assertGradients(in -> Pooling.adaptiveAvgPool2d(in[0], 3, 4), x);
        GradCheck.assertGradients(in -> Pooling.adaptiveAvgPool2d(in[0], 1, 1), x);
    }
}
