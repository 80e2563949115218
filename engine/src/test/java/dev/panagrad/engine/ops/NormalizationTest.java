package dev.panagrad.engine.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.panagrad.engine.GradCheck;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import org.junit.jupiter.api.Test;

class NormalizationTest {
    private final Rng rng = new Rng(61);

    @Test
    void softmaxByHand() {
        Tensor x = Tensor.of(new float[] {1, 2, 3});
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertThat(x.softmax(0).toArray()).containsExactly(new float[] {
            (float) (Math.exp(1) / z), (float) (Math.exp(2) / z), (float) (Math.exp(3) / z)}, within(1e-6f));
        assertThat(x.logSoftmax(0).get(2)).isCloseTo((float) (3 - Math.log(z)), within(1e-6f));
    }

    @Test
    void softmaxIsStableForLargeLogits() {
        Tensor x = Tensor.of(new float[] {1000, 1000, -1000});
        assertThat(x.softmax(0).toArray()).containsExactly(new float[] {0.5f, 0.5f, 0f}, within(1e-7f));
        assertThat(x.logSoftmax(0).get(0)).isCloseTo((float) -Math.log(2), within(1e-6f));
    }

    @Test
    void softmaxAlongAnInnerDimensionSumsToOne() {
        Tensor s = Tensor.randn(rng, 2, 5, 3).softmax(1);
        assertThat(s.sum(1).toArray()).containsExactly(new float[] {1f, 1f, 1f, 1f, 1f, 1f}, within(1e-6f));
    }

    @Test
    void logSumExpIsStableAndHandlesAllMinusInfinity() {
        Tensor x = Tensor.of(new float[] {1000, 1000, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}, 2, 2);
        float[] lse = x.logSumExp(1, false).toArray();
        assertThat(lse[0]).isCloseTo(1000f + (float) Math.log(2), within(1e-3f));
        assertThat(lse[1]).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(x.logSumExp(0, true).dims()).containsExactly(1, 2);
    }

    @Test
    void normalizeGivesUnitRowsAndLeavesZeroRowsZero() {
        Tensor x = Tensor.of(new float[] {3, 4, 0, 0}, 2, 2).normalize(1);
        assertThat(x.toArray()).containsExactly(new float[] {0.6f, 0.8f, 0f, 0f}, within(1e-7f));
    }

    @Test
    void gradientsOfSoftmaxFamilyAlongEachDimension() {
        Tensor x = Tensor.randn(rng, 2, 3, 4).requiresGrad(true);
        for (int dim : new int[] {0, 1, 2, -1}) {
            GradCheck.assertGradients(in -> in[0].softmax(dim), x);
            GradCheck.assertGradients(in -> in[0].logSoftmax(dim), x);
            GradCheck.assertGradients(in -> in[0].logSumExp(dim, false), x);
            GradCheck.assertGradients(in -> in[0].logSumExp(dim, true), x);
        }
    }

    @Test
    void gradientsOfNormalize() {
        Tensor x = Tensor.randn(rng, 3, 4).requiresGrad(true);
        GradCheck.assertGradients(in -> in[0].normalize(1), x);
        GradCheck.assertGradients(in -> in[0].normalize(0), x);
    }

    @Test
    void gradientOfNormalizeBelowEpsilonIsAPlainScale() {
        Tensor x = Tensor.of(new float[] {1e-4f, -2e-4f}).requiresGrad(true);
        x.normalize(0, 1e-2f).sum().backward();
        assertThat(x.grad().toArray()).containsExactly(100f, 100f);
    }
}
