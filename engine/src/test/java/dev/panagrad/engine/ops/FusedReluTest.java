package dev.panagrad.engine.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.panagrad.engine.Grad;
import dev.panagrad.engine.GradCheck;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import org.junit.jupiter.api.Test;

/** Batch norm + ReLU and residual add + ReLU as single ops, against the two ops they replace. */
class FusedReluTest {
    private final Rng rng = new Rng(17);

    @Test
    void batchNormReluGivesTheBitsOfBatchNormThenRelu() {
        // Wide planes, so that the vector loops and their tails both run.
        Tensor x = Tensor.randn(rng, 3, 4, 7, 9);
        Tensor gamma = Tensor.randn(rng, 4);
        Tensor beta = Tensor.randn(rng, 4);
        Tensor dy = Tensor.randn(rng, 3, 4, 7, 9);
        Tensor[] fused = batchNormGradients(x, gamma, beta, dy, true);
        Tensor[] separate = batchNormGradients(x, gamma, beta, dy, false);
        for (int i = 0; i < fused.length; i++) {
            assertThat(fused[i].toArray()).as("output and gradients, item %d", i).containsExactly(separate[i].toArray());
        }
    }

    @Test
    void batchNormReluGradientsInTrainingMode() {
        Tensor x = Tensor.randn(rng, 3, 2, 4, 3).requiresGrad(true);
        Tensor gamma = Tensor.randn(rng, 2).requiresGrad(true);
        Tensor beta = Tensor.randn(rng, 2).requiresGrad(true);
        GradCheck.defaults().atol(2e-3).verify(
                in -> BatchNormalization.batchNormRelu(in[0], null, null, in[1], in[2], true, 0.1f, 1e-5f), x, gamma,
                beta);
    }

    @Test
    void batchNormReluGradientsInEvaluationMode() {
        Tensor x = Tensor.randn(rng, 3, 2, 4).requiresGrad(true);
        Tensor gamma = Tensor.randn(rng, 2).requiresGrad(true);
        Tensor beta = Tensor.randn(rng, 2).requiresGrad(true);
        Tensor mean = Tensor.randn(rng, 2);
        Tensor var = Tensor.rand(rng, 2).add(0.5f);
        GradCheck.assertGradients(
                in -> BatchNormalization.batchNormRelu(in[0], mean, var, in[1], in[2], false, 0.1f, 1e-5f), x, gamma,
                beta);
    }

    @Test
    void batchNormReluInPlaceForInferenceClampsTheNormalisedValues() {
        // mean 1, var 4, gamma 2, beta 0.5: y = max(2 (x - 1) / 2 + 0.5, 0) = max(x - 0.5, 0)
        Tensor x = Tensor.of(new float[] {3, -5, 0.25f, 1}, 4, 1);
        Tensor y;
        try (var ignored = Grad.disabled()) {
            y = BatchNormalization.batchNormReluEvalInPlace(x, Tensor.of(new float[] {1}), Tensor.of(new float[] {4}),
                    Tensor.of(new float[] {2}), Tensor.of(new float[] {0.5f}), 0f);
        }
        assertThat(y.toArray()).containsExactly(2.5f, 0f, 0f, 0.5f);
        assertThat(y.storage()).isSameAs(x.storage());
    }

    @Test
    void addReluWritesReluOfTheSumOverItsFirstInput() {
        Tensor a = Tensor.of(new float[] {-1f, 2f, 0.5f, -3f}, 2, 2);
        Tensor b = Tensor.of(new float[] {0.5f, -3f, 0.25f, 4f}, 2, 2);
        Tensor y = a.addReluInPlace(b);
        assertThat(y.toArray()).containsExactly(0f, 0f, 0.75f, 1f);
        assertThat(y.storage()).isSameAs(a.storage());
    }

    @Test
    void addReluGivesTheBitsOfAddThenRelu() {
        Tensor a = Tensor.randn(rng, 2, 3, 11, 13);
        Tensor b = Tensor.randn(rng, 2, 3, 11, 13);
        Tensor dy = Tensor.randn(rng, 2, 3, 11, 13);
        Tensor[] fused = residualGradients(a, b, dy, true);
        Tensor[] separate = residualGradients(a, b, dy, false);
        for (int i = 0; i < fused.length; i++) {
            assertThat(fused[i].toArray()).as("item %d", i).containsExactly(separate[i].toArray());
        }
    }

    @Test
    void addReluGradients() {
        Tensor a = Tensor.randn(rng, 2, 3, 4).requiresGrad(true);
        Tensor b = Tensor.randn(rng, 2, 3, 4).requiresGrad(true);
        // An op that keeps no output first, since the in-place op may not overwrite a leaf.
        GradCheck.assertGradients(in -> in[0].mul(in[1]).addReluInPlace(in[1]).mul(in[1]), a, b);
    }

    @Test
    void addReluNamesShapesThatDiffer() {
        assertThatThrownBy(() -> Tensor.zeros(2, 3).addReluInPlace(Tensor.zeros(3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("addRelu_: shapes [2, 3] and [3] differ");
    }

    @Test
    void addReluRefusesALeafThatRequiresGrad() {
        Tensor a = Tensor.zeros(2).requiresGrad(true);
        assertThatThrownBy(() -> a.addReluInPlace(Tensor.zeros(2))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("addRelu_").hasMessageContaining("leaf");
    }

    /** {y, dx, dgamma, dbeta} of relu(batchNorm(x)) in training mode, fused or as two ops. */
    private static Tensor[] batchNormGradients(Tensor x0, Tensor gamma0, Tensor beta0, Tensor dy, boolean fused) {
        Tensor x = x0.copy().requiresGrad(true);
        Tensor gamma = gamma0.copy().requiresGrad(true);
        Tensor beta = beta0.copy().requiresGrad(true);
        Tensor y = fused
                ? BatchNormalization.batchNormRelu(x, null, null, gamma, beta, true, 0.1f, 1e-5f)
                : BatchNormalization.batchNorm(x, null, null, gamma, beta, true, 0.1f, 1e-5f).reluInPlace();
        y.mul(dy).sum().backward();
        return new Tensor[] {y.detach(), x.grad(), gamma.grad(), beta.grad()};
    }

    /** {y, da, db} of relu(a' + b) with a' = a + 0, fused or as two ops. */
    private static Tensor[] residualGradients(Tensor a0, Tensor b0, Tensor dy, boolean fused) {
        Tensor a = a0.copy().requiresGrad(true);
        Tensor b = b0.copy().requiresGrad(true);
        Tensor h = a.add(Tensor.zeros(a.shape())); // keeps no output for its backward
        Tensor y = fused ? h.addReluInPlace(b) : h.addInPlace(b).reluInPlace();
        y.mul(dy).sum().backward();
        return new Tensor[] {y.detach(), a.grad(), b.grad()};
    }
}
