package dev.panagrad.engine.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.panagrad.engine.GradCheck;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import org.junit.jupiter.api.Test;

class BatchNormalizationTest {
    private final Rng rng = new Rng(91);

    @Test
    void trainingNormalisesEachChannelWithBatchStatistics() {
        // Channel 0 holds 1, 2, 3, 4 over (n, s); channel 1 holds 10, 10, 10, 10.
        Tensor x = Tensor.of(new float[] {1, 2, 10, 10, 3, 4, 10, 10}, 2, 2, 2);
        Tensor y = BatchNormalization.batchNorm(x, null, null, null, null, true, 0.1f, 1e-5f);
        float s = (float) (1 / Math.sqrt(1.25 + 1e-5));
        assertThat(y.toArray()).containsExactly(new float[] {-1.5f * s, -0.5f * s, 0, 0, 0.5f * s, 1.5f * s, 0, 0},
                within(1e-5f));
    }

    @Test
    void trainingUpdatesRunningStatisticsWithTheUnbiasedVariance() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 4, 1);
        Tensor mean = Tensor.zeros(1);
        Tensor var = Tensor.ones(1);
        BatchNormalization.batchNorm(x, mean, var, null, null, true, 0.1f, 1e-5f);
        assertThat(mean.item()).isCloseTo(0.25f, within(1e-6f));
        assertThat(var.item()).isCloseTo(0.9f + 0.1f * 5f / 3f, within(1e-6f));
    }

    @Test
    void evaluationUsesRunningStatisticsAndTheAffine() {
        Tensor x = Tensor.of(new float[] {3, 5}, 2, 1);
        Tensor y = BatchNormalization.batchNorm(x, Tensor.of(new float[] {1}), Tensor.of(new float[] {4}),
                Tensor.of(new float[] {2}), Tensor.of(new float[] {0.5f}), false, 0.1f, 0f);
        assertThat(y.toArray()).containsExactly(2.5f, 4.5f);
    }

    @Test
    void oneValuePerChannelCannotTrain() {
        assertThatThrownBy(() -> BatchNormalization.batchNorm(Tensor.zeros(1, 3), null, null, null, null, true, 0.1f, 1e-5f))
                .hasMessage("batchNorm: expected more than 1 value per channel when training, got input [1, 3]");
    }

    @Test
    void gradientsInTrainingMode() {
        Tensor x = Tensor.randn(rng, 3, 2, 4, 3).requiresGrad(true);
        Tensor gamma = Tensor.randn(rng, 2).requiresGrad(true);
        Tensor beta = Tensor.randn(rng, 2).requiresGrad(true);
        GradCheck.defaults().atol(2e-3).verify(
                in -> BatchNormalization.batchNorm(in[0], null, null, in[1], in[2], true, 0.1f, 1e-5f), x, gamma, beta);
    }

    @Test
    void gradientsInTrainingModeFor2dInput() {
        Tensor x = Tensor.randn(rng, 6, 3).requiresGrad(true);
        GradCheck.assertGradients(in -> BatchNormalization.batchNorm(in[0], null, null, null, null, true, 0.1f, 1e-5f), x);
    }

    @Test
    void gradientsInEvaluationMode() {
        Tensor x = Tensor.randn(rng, 3, 2, 4).requiresGrad(true);
        Tensor gamma = Tensor.randn(rng, 2).requiresGrad(true);
        Tensor beta = Tensor.randn(rng, 2).requiresGrad(true);
        Tensor mean = Tensor.randn(rng, 2);
        Tensor var = Tensor.rand(rng, 2).add(0.5f);
        GradCheck.assertGradients(in -> BatchNormalization.batchNorm(in[0], mean, var, in[1], in[2], false, 0.1f, 1e-5f),
                x, gamma, beta);
    }

    @Test
    void evaluationInPlaceOverwritesTheInputWithTheEvaluationResult() {
        Tensor x = Tensor.randn(rng, 3, 4, 5, 5);
        Tensor mean = Tensor.randn(rng, 4);
        Tensor var = Tensor.rand(rng, 4).add(0.5f);
        Tensor gamma = Tensor.randn(rng, 4);
        Tensor beta = Tensor.randn(rng, 4);
        float[] expected = BatchNormalization.batchNorm(x, mean, var, gamma, beta, false, 0.1f, 1e-5f).toArray();
        int version = x.storage().version();
        Tensor y;
        try (var ignored = dev.panagrad.engine.Grad.disabled()) {
            y = BatchNormalization.batchNormEvalInPlace(x, mean, var, gamma, beta, 1e-5f);
        }
        assertThat(y.storage()).isSameAs(x.storage());
        assertThat(x.toArray()).containsExactly(expected);
        assertThat(x.storage().version()).isGreaterThan(version);
    }

    @Test
    void evaluationInPlaceRefusesAnInputThatAutogradWouldNeed() {
        Tensor x = Tensor.randn(rng, 2, 3, 2, 2).requiresGrad(true);
        assertThatThrownBy(() -> BatchNormalization.batchNormEvalInPlace(x, Tensor.zeros(3), Tensor.ones(3), null,
                null, 1e-5f))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("batchNormEvalInPlace: input [2, 3, 2, 2] or its parameters require grad");
    }

    @Test
    void evaluationInPlaceNamesTheShapesThatDoNotMatch() {
        assertThatThrownBy(() -> BatchNormalization.batchNormEvalInPlace(Tensor.zeros(2, 3, 4), Tensor.zeros(4),
                Tensor.ones(4), null, null, 1e-5f))
                .hasMessage("batchNormEvalInPlace: input [2, 3, 4] has 3 channels, a parameter or statistic has shape [4]");
    }
}
