package dev.panagrad.engine.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.panagrad.engine.GradCheck;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Shape;
import dev.panagrad.engine.Tensor;
import org.junit.jupiter.api.Test;

class ConvolutionTest {
    private final Rng rng = new Rng(71);

    private static Tensor conv(Tensor x, Tensor w, Tensor b, int stride, int pad, int dil, int groups) {
        return Convolution.conv2d(x, w, b, new int[] {stride, stride}, new int[] {pad, pad}, new int[] {dil, dil}, groups);
    }

    @Test
    void aThreeByThreeKernelByHand() {
        // 1 x 1 x 3 x 3 input 1..9, kernel of ones, padding 1: each output sums its 3 x 3 neighbourhood.
        Tensor x = Tensor.arange(1f, 10f, 1f).reshape(1, 1, 3, 3);
        Tensor w = Tensor.ones(1, 1, 3, 3);
        Tensor y = conv(x, w, Tensor.of(new float[] {0.5f}), 1, 1, 1, 1);
        assertThat(y.toArray()).containsExactly(12.5f, 21.5f, 16.5f, 27.5f, 45.5f, 33.5f, 24.5f, 39.5f, 28.5f);
    }

    @Test
    void outputSizeFollowsPyTorchsFormula() {
        Tensor x = Tensor.zeros(2, 3, 32, 30);
        assertThat(conv(x, Tensor.zeros(8, 3, 3, 3), null, 2, 1, 1, 1).shape()).isEqualTo(Shape.of(2, 8, 16, 15));
        assertThat(conv(x, Tensor.zeros(8, 3, 3, 3), null, 1, 0, 2, 1).shape()).isEqualTo(Shape.of(2, 8, 28, 26));
    }

    @Test
    void groupsSeeOnlyTheirChannels() {
        // Two groups of one channel: output 0 sees input 0 only, output 1 input 1 only.
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 10, 20, 30, 40}, 1, 2, 2, 2);
        Tensor w = Tensor.ones(2, 1, 2, 2);
        assertThat(conv(x, w, null, 1, 0, 1, 2).toArray()).containsExactly(10f, 100f);
    }

    @Test
    void mismatchedChannelsAreNamed() {
        assertThatThrownBy(() -> conv(Tensor.zeros(1, 3, 8, 8), Tensor.zeros(4, 2, 3, 3), null, 1, 1, 1, 1))
                .hasMessage("conv2d: input [1, 3, 8, 8] and weight [4, 2, 3, 3]: weight expects 2 input channels per group (1 groups), input has 3");
    }

    @Test
    void gradientsWithStridePaddingAndBias() {
        Tensor x = Tensor.randn(rng, 2, 3, 7, 6).requiresGrad(true);
        Tensor w = Tensor.randn(rng, 4, 3, 3, 3).mul(0.3f).requiresGrad(true);
        Tensor b = Tensor.randn(rng, 4).requiresGrad(true);
        GradCheck.assertGradients(in -> conv(in[0], in[1], in[2], 2, 1, 1, 1), x, w, b);
    }

    @Test
    void gradientsWithDilationAndNoBias() {
        Tensor x = Tensor.randn(rng, 2, 2, 8, 7).requiresGrad(true);
        Tensor w = Tensor.randn(rng, 3, 2, 3, 3).mul(0.3f).requiresGrad(true);
        GradCheck.assertGradients(in -> conv(in[0], in[1], null, 1, 2, 2, 1), x, w);
    }

    @Test
    void gradientsWithTwoGroups() {
        Tensor x = Tensor.randn(rng, 2, 4, 6, 6).requiresGrad(true);
        Tensor w = Tensor.randn(rng, 6, 2, 3, 3).mul(0.3f).requiresGrad(true);
        Tensor b = Tensor.randn(rng, 6).requiresGrad(true);
        GradCheck.assertGradients(in -> conv(in[0], in[1], in[2], 1, 1, 1, 2), x, w, b);
    }

    @Test
    void gradientsOfADepthwiseConvolution() {
        Tensor x = Tensor.randn(rng, 2, 3, 6, 5).requiresGrad(true);
        Tensor w = Tensor.randn(rng, 3, 1, 3, 3).mul(0.3f).requiresGrad(true);
        GradCheck.assertGradients(in -> conv(in[0], in[1], null, 2, 1, 1, 3), x, w);
    }

    @Test
    void gradientsOfAPointwiseConvolution() {
        Tensor x = Tensor.randn(rng, 2, 5, 4, 3).requiresGrad(true);
        Tensor w = Tensor.randn(rng, 3, 5, 1, 1).mul(0.3f).requiresGrad(true);
        Tensor b = Tensor.randn(rng, 3).requiresGrad(true);
        GradCheck.assertGradients(in -> conv(in[0], in[1], in[2], 1, 0, 1, 1), x, w, b);
    }

    @Test
    void aFrozenInputGetsNoGradient() {
        Tensor x = Tensor.randn(rng, 1, 2, 5, 5);
        Tensor w = Tensor.randn(rng, 2, 2, 3, 3).requiresGrad(true);
        conv(x, w, null, 1, 1, 1, 1).sum().backward();
        assertThat(x.grad()).isNull();
        // d sum / d w[0, 0, 2, 2]: the bottom-right tap reads input rows and columns 1..4 of channel 0.
        float expected = x.narrow(1, 0, 1).narrow(2, 1, 4).narrow(3, 1, 4).sum().item();
        assertThat(w.grad().get(0, 0, 2, 2)).isCloseTo(expected, within(1e-4f));
    }
}
