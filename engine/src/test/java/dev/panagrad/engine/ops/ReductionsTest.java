package dev.panagrad.engine.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.panagrad.engine.GradCheck;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Shape;
import dev.panagrad.engine.Tensor;
import org.junit.jupiter.api.Test;

class ReductionsTest {
    private final Rng rng = new Rng(31);
    /** [[1, 2, 3], [4, 5, 6]]. */
    private final Tensor m = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);

    @Test
    void sumOverAllAndAlongDimensions() {
        assertThat(m.sum().item()).isEqualTo(21f);
        assertThat(m.sum().shape()).isEqualTo(Shape.scalar());
        assertThat(m.sum(0).toArray()).containsExactly(5, 7, 9);
        assertThat(m.sum(-1).toArray()).containsExactly(6, 15);
        assertThat(m.sum(1, true).shape()).isEqualTo(Shape.of(2, 1));
    }

    @Test
    void sumOverSeveralDimensions() {
        Tensor x = Tensor.arange(24).reshape(2, 3, 4);
        Tensor s = x.sum(new int[] {0, 2}, false);
        assertThat(s.shape()).isEqualTo(Shape.of(3));
        // sum over n and w of n*12 + c*4 + w
        assertThat(s.toArray()).containsExactly(60f, 92f, 124f);
        assertThat(x.sum(new int[] {0, 2}, true).shape()).isEqualTo(Shape.of(1, 3, 1));
    }

    @Test
    void meanMaxMinValues() {
        assertThat(m.mean().item()).isEqualTo(3.5f);
        assertThat(m.mean(0).toArray()).containsExactly(2.5f, 3.5f, 4.5f);
        assertThat(m.max().item()).isEqualTo(6f);
        assertThat(m.max(1, false).toArray()).containsExactly(3f, 6f);
        assertThat(m.min(0, true).toArray()).containsExactly(1f, 2f, 3f);
        assertThat(m.min(0, true).shape()).isEqualTo(Shape.of(1, 3));
    }

    @Test
    void varianceIsUnbiasedByDefault() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4});
        assertThat(x.var().item()).isCloseTo(5f / 3f, within(1e-6f));
        assertThat(x.var(new int[] {0}, 0, false).item()).isCloseTo(1.25f, within(1e-6f));
        assertThat(m.var(new int[] {1}, 1, true).toArray()).containsExactly(1f, 1f);
    }

    @Test
    void repeatedDimensionsAreRejected() {
        assertThatThrownBy(() -> m.sum(new int[] {1, -1}, false))
                .hasMessage("sum: dimension 1 appears twice in [1, -1] for shape [2, 3]");
    }

    @Test
    void maxOfAnEmptyDimensionIsAnError() {
        assertThatThrownBy(() -> Tensor.zeros(2, 0).max(1, false))
                .hasMessage("max: cannot reduce dimension 1 of size 0 in shape [2, 0]");
    }

    @Test
    void sumOfAnEmptyDimensionIsZero() {
        assertThat(Tensor.zeros(2, 0).sum(1).toArray()).containsExactly(0f, 0f);
    }

    @Test
    void gradientsOfSumAndMean() {
        Tensor x = Tensor.randn(rng, 2, 3, 4).requiresGrad(true);
        GradCheck.assertGradients(in -> in[0].sum(), x);
        GradCheck.assertGradients(in -> in[0].sum(1), x);
        GradCheck.assertGradients(in -> in[0].sum(new int[] {0, 2}, true), x);
        GradCheck.assertGradients(in -> in[0].mean(), x);
        GradCheck.assertGradients(in -> in[0].mean(new int[] {-1}, true), x);
        GradCheck.assertGradients(in -> in[0].mean(new int[] {0, 1}, false), x);
    }

    @Test
    void gradientsOfMaxAndMinWithoutTies() {
        Tensor x = Tensor.randn(rng, 3, 5).requiresGrad(true);
        GradCheck.assertGradients(in -> in[0].max(), x);
        GradCheck.assertGradients(in -> in[0].max(1, false), x);
        GradCheck.assertGradients(in -> in[0].min(0, true), x);
        GradCheck.assertGradients(in -> in[0].min(new int[] {0, 1}, false), x);
    }

    @Test
    void tiedMaximaShareTheGradient() {
        Tensor x = Tensor.of(new float[] {3, 1, 3, 2}).requiresGrad(true);
        x.max().backward();
        assertThat(x.grad().toArray()).containsExactly(0.5f, 0f, 0.5f, 0f);
    }

    @Test
    void gradientsOfVariance() {
        Tensor x = Tensor.randn(rng, 4, 5).requiresGrad(true);
        GradCheck.assertGradients(in -> in[0].var(), x);
        GradCheck.assertGradients(in -> in[0].var(new int[] {1}, 1, true), x);
        GradCheck.assertGradients(in -> in[0].var(new int[] {0}, 0, false), x);
    }

    @Test
    void sumToReducesBroadcastDimensions() {
        Tensor g = Tensor.ones(2, 3, 4);
        assertThat(g.sumTo(Shape.of(3, 1)).toArray()).containsExactly(8f, 8f, 8f);
        assertThat(g.sumTo(Shape.scalar()).item()).isEqualTo(24f);
    }
}
