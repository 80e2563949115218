package dev.panagrad.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.panagrad.engine.GradCheck;
import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Shape;
import dev.panagrad.engine.Tensor;
import org.junit.jupiter.api.Test;

class LayersTest {
    private final Rng rng = new Rng(5);

    @Test
    void conv2dHasPyTorchsParameterShapesAndInitBounds() {
        Conv2d c = Conv2d.of(4, 6, 3).groups(2).build(rng);
        assertThat(c.weight().shape()).isEqualTo(Shape.of(6, 2, 3, 3));
        assertThat(c.bias().shape()).isEqualTo(Shape.of(6));
        float bound = (float) (1 / Math.sqrt(2 * 9));
        for (float w : c.weight().toArray()) {
            assertThat(Math.abs(w)).isLessThanOrEqualTo(bound);
        }
        assertThat(Conv2d.of(3, 8, 3).bias(false).build(rng).bias()).isNull();
    }

    @Test
    void linearGradientsThroughTheModule() {
        Linear lin = new Linear(4, 3, rng);
        Tensor x = Tensor.randn(rng, 5, 4).requiresGrad(true);
        GradCheck.assertGradients(in -> lin.forward(in[0]), x);
        Tensor constant = Tensor.randn(rng, 5, 4);
        // The check perturbs the module's own parameters in place and re-runs the module.
        GradCheck.assertGradients(in -> lin.forward(constant), lin.weight(), lin.bias());
    }

    @Test
    void batchNorm2dGradientsInTrainingMode() {
        BatchNorm2d bn = new BatchNorm2d(3);
        try (var ignored = Grad.disabled()) {
            bn.weight().copyFrom(Tensor.randn(rng, 3));
            bn.bias().copyFrom(Tensor.randn(rng, 3));
        }
        Tensor x = Tensor.randn(rng, 4, 3, 3, 2).requiresGrad(true);
        GradCheck.defaults().atol(2e-3).verify(in -> bn.forward(in[0]), x);
        GradCheck.defaults().atol(2e-3).verify(in -> bn.forward(x), bn.weight(), bn.bias());
    }

    @Test
    void batchNormInPlaceOverwritesItsInputOnlyInEvaluationWithAutogradOff() {
        BatchNorm2d bn = new BatchNorm2d(3);
        try (var ignored = Grad.disabled()) {
            bn.forward(Tensor.randn(rng, 4, 3, 2, 2).mul(2f).add(1f)); // running statistics away from 0 and 1
        }
        Tensor x = Tensor.randn(rng, 2, 3, 2, 2);
        float[] original = x.toArray();
        // Training mode: forward, and x is left alone.
        assertThat(bn.forwardInPlace(x).storage()).isNotSameAs(x.storage());
        assertThat(x.toArray()).containsExactly(original);
        bn.eval();
        float[] expected = bn.forward(x).toArray();
        // Evaluation with autograd on: forward, and x is left alone.
        assertThat(bn.forwardInPlace(x).toArray()).containsExactly(expected);
        assertThat(x.toArray()).containsExactly(original);
        try (var ignored = Grad.disabled()) {
            Tensor y = bn.forwardInPlace(x);
            assertThat(y.storage()).isSameAs(x.storage());
        }
        assertThat(x.toArray()).containsExactly(expected);
    }

    @Test
    void dropoutZeroesAndRescalesInTrainingOnly() {
        Dropout d = new Dropout(0.25f, new Rng(1));
        Tensor y = d.forward(Tensor.ones(10_000));
        int zeros = 0;
        for (float v : y.toArray()) {
            if (v == 0f) {
                zeros++;
            } else {
                assertThat(v).isCloseTo(1f / 0.75f, within(1e-6f));
            }
        }
        assertThat(zeros).isBetween(2300, 2700);
        d.eval();
        assertThat(d.forward(Tensor.ones(5)).toArray()).containsOnly(1f);
    }

    @Test
    void batchNormRejectsTheWrongRank() {
        assertThatThrownBy(() -> new BatchNorm2d(3).forward(Tensor.zeros(2, 3)))
                .hasMessage("BatchNorm2d: expected 4-D input [N, C, H, W], got [2, 3]");
    }

    @Test
    void sequentialAndFlattenCompose() {
        Sequential s = new Sequential(Conv2d.of(1, 2, 3).padding(1).build(rng), new ReLU(), new AdaptiveAvgPool2d(1, 1),
                new Flatten(), new Linear(2, 5, rng), new Identity());
        assertThat(s.forward(Tensor.zeros(3, 1, 6, 6)).shape()).isEqualTo(Shape.of(3, 5));
        assertThat(s.size()).isEqualTo(6);
    }
}
