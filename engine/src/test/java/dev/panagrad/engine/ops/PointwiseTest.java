package dev.panagrad.engine.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.panagrad.engine.GradCheck;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class PointwiseTest {
    private static final float[] XS = {-2.5f, -1.1f, -0.3f, 0.4f, 1.7f, 3.2f};
    private static final float[] POSITIVE = {0.2f, 0.7f, 1.3f, 2.9f, 5.1f};

    @Test
    void valuesMatchTheMathFunctions() {
        expectMap(XS, Tensor::neg, x -> -x);
        expectMap(XS, Tensor::exp, Math::exp);
        expectMap(POSITIVE, Tensor::log, Math::log);
        expectMap(POSITIVE, Tensor::sqrt, Math::sqrt);
        expectMap(XS, t -> t.pow(3f), x -> x * x * x);
        expectMap(POSITIVE, t -> t.pow(-1.5f), x -> Math.pow(x, -1.5));
        expectMap(XS, Tensor::abs, Math::abs);
        expectMap(XS, Tensor::relu, x -> Math.max(x, 0));
        expectMap(XS, Tensor::sigmoid, x -> 1 / (1 + Math.exp(-x)));
        expectMap(XS, Tensor::tanh, Math::tanh);
        expectMap(XS, t -> t.clamp(-1f, 2f), x -> Math.min(Math.max(x, -1), 2));
        expectMap(XS, t -> t.mul(3f).add(1f), x -> 3 * x + 1);
        expectMap(XS, t -> t.sub(2f).div(4f), x -> (x - 2) / 4);
    }

    @Test
    void reluKeepsNaNAndZeroesNegatives() {
        assertThat(Tensor.of(new float[] {Float.NaN, -1f, 0f, 2f}).relu().toArray())
                .containsExactly(Float.NaN, 0f, 0f, 2f);
    }

    @Test
    void sigmoidSaturatesWithoutOverflow() {
        float[] s = Tensor.of(new float[] {-100f, 100f}).sigmoid().toArray();
        assertThat(s[0]).isCloseTo((float) (1 / (1 + Math.exp(100))), within(1e-45f));
        assertThat(s[1]).isEqualTo(1f);
    }

    @Test
    void clampRejectsCrossedBounds() {
        assertThatThrownBy(() -> Tensor.ones(1).clamp(2f, 1f)).hasMessage("clamp: min 2.0 is greater than max 1.0");
    }

    @Test
    void gradientsOfSmoothMaps() {
        Tensor x = Tensor.randn(new Rng(11), 3, 5).requiresGrad(true);
        for (UnaryOperator<Tensor> f : java.util.List.<UnaryOperator<Tensor>>of(Tensor::neg, Tensor::exp,
                Tensor::sigmoid, Tensor::tanh, t -> t.pow(2f), t -> t.pow(3f), t -> t.mul(-1.5f).add(0.5f))) {
            GradCheck.assertGradients(in -> f.apply(in[0]), x);
        }
    }

    @Test
    void gradientsOfMapsOnPositiveInputs() {
        Tensor x = Tensor.of(POSITIVE).requiresGrad(true);
        GradCheck.assertGradients(in -> in[0].log(), x);
        GradCheck.assertGradients(in -> in[0].sqrt(), x);
        GradCheck.assertGradients(in -> in[0].pow(0.5f), x);
        GradCheck.assertGradients(in -> in[0].pow(-1.5f), x);
        GradCheck.assertGradients(in -> in[0].div(3f), x);
    }

    @Test
    void gradientsOfPiecewiseMapsAwayFromTheirKinks() {
        Tensor x = Tensor.of(XS).requiresGrad(true);
        GradCheck.assertGradients(in -> in[0].abs(), x);
        GradCheck.assertGradients(in -> in[0].relu(), x);
        GradCheck.assertGradients(in -> in[0].clamp(-1f, 2f), x);
    }

    @Test
    void kinkGradientsFollowPyTorch() {
        Tensor x = Tensor.of(new float[] {0f, 0f, 1f}).requiresGrad(true);
        x.relu().sum().backward();
        assertThat(x.grad().toArray()).containsExactly(0f, 0f, 1f);
        Tensor y = Tensor.of(new float[] {0f, -1f, 2f}).requiresGrad(true);
        y.abs().sum().backward();
        assertThat(y.grad().toArray()).containsExactly(0f, -1f, 1f);
        Tensor z = Tensor.of(new float[] {-1f, 0f, 1f}).requiresGrad(true);
        z.clamp(-1f, 1f).sum().backward(); // bounds are inclusive
        assertThat(z.grad().toArray()).containsExactly(1f, 1f, 1f);
    }

    private static void expectMap(float[] xs, UnaryOperator<Tensor> f, DoubleUnaryOperator expected) {
        float[] y = f.apply(Tensor.of(xs)).toArray();
        for (int i = 0; i < xs.length; i++) {
            double e = expected.applyAsDouble(xs[i]);
            assertThat(y[i]).as("f(%s)", xs[i]).isCloseTo((float) e, within((float) (1e-6 * Math.max(1, Math.abs(e)))));
        }
    }
}
