package dev.panagrad.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TensorTest {

    @Test
    void factoriesFillAsNamed() {
        assertThat(Tensor.zeros(2, 2).toArray()).containsOnly(0f);
        assertThat(Tensor.ones(3).toArray()).containsExactly(1f, 1f, 1f);
        assertThat(Tensor.full(2.5f, 2).toArray()).containsExactly(2.5f, 2.5f);
        assertThat(Tensor.arange(4).toArray()).containsExactly(0f, 1f, 2f, 3f);
        assertThat(Tensor.arange(1f, 2f, 0.25f).toArray()).containsExactly(1f, 1.25f, 1.5f, 1.75f);
        assertThat(Tensor.arange(3f, 0f, -1f).toArray()).containsExactly(3f, 2f, 1f);
    }

    @Test
    void ofCopiesValuesInRowMajorOrder() {
        float[] v = {1, 2, 3, 4, 5, 6};
        Tensor t = Tensor.of(v, 2, 3);
        v[0] = 99;
        assertThat(t.get(0, 0)).isEqualTo(1f);
        assertThat(t.get(1, 2)).isEqualTo(6f);
        assertThat(Tensor.of(new float[][] {{1, 2}, {3, 4}}).get(1, 0)).isEqualTo(3f);
    }

    @Test
    void ofRejectsAMismatchedShape() {
        assertThatThrownBy(() -> Tensor.of(new float[5], 2, 3))
                .hasMessage("of: 5 values do not fill shape [2, 3] (6 elements)");
    }

    @Test
    void randomFactoriesAreReproducibleForASeed() {
        assertThat(Tensor.randn(new Rng(7), 5).toArray()).containsExactly(Tensor.randn(new Rng(7), 5).toArray());
        assertThat(Tensor.rand(new Rng(7), 5).toArray()).isNotEqualTo(Tensor.rand(new Rng(8), 5).toArray());
    }

    @Test
    void randnHasStandardMoments() {
        float[] v = Tensor.randn(new Rng(3), 200_000).toArray();
        double mean = 0;
        double sq = 0;
        for (float x : v) {
            mean += x;
            sq += x * x;
        }
        mean /= v.length;
        assertThat(mean).isCloseTo(0.0, org.assertj.core.data.Offset.offset(0.01));
        assertThat(sq / v.length - mean * mean).isCloseTo(1.0, org.assertj.core.data.Offset.offset(0.01));
    }

    @Test
    void randIsInTheUnitInterval() {
        for (float x : Tensor.rand(new Rng(1), 10_000).toArray()) {
            assertThat(x).isGreaterThanOrEqualTo(0f).isLessThan(1f);
        }
    }

    @Test
    void itemReadsAOneElementTensor() {
        assertThat(Tensor.scalar(3f).item()).isEqualTo(3f);
        assertThat(Tensor.of(new float[] {4f}, 1, 1).item()).isEqualTo(4f);
    }

    @Test
    void itemOnSeveralElementsNamesTheShape() {
        assertThatThrownBy(() -> Tensor.zeros(2).item()).hasMessage("item: tensor of shape [2] has 2 elements, not 1");
    }

    @Test
    void toArrayIsACopy() {
        Tensor t = Tensor.ones(2);
        t.toArray()[0] = 5f;
        assertThat(t.get(0)).isEqualTo(1f);
    }

    @Test
    void getRejectsIndicesOutOfRange() {
        assertThatThrownBy(() -> Tensor.zeros(2, 3).get(1, 3))
                .hasMessage("get: index 3 out of range for dimension 1 of shape [2, 3]");
    }

    @Test
    void toStringShowsValuesAndShape() {
        Tensor t = Tensor.of(new float[] {1f, -2.5f, 0f, 3f}, 2, 2);
        assertThat(t.toString()).isEqualTo("tensor([[ 1.0000, -2.5000],\n        [ 0.0000,  3.0000]], shape=[2, 2])");
        assertThat(Tensor.scalar(2f).requiresGrad(true).toString()).isEqualTo("tensor(2.0000, shape=[], requiresGrad=true)");
    }

    @Test
    void toStringElidesLargeTensors() {
        String s = Tensor.arange(2000).toString();
        assertThat(s).startsWith("tensor([   0.0000,    1.0000,    2.0000, ..., 1997.0000, 1998.0000, 1999.0000]");
        assertThat(s).endsWith("shape=[2000])");
    }

    @Test
    void toStringNamesTheGradFunction() {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        assertThat(x.mul(x).toString()).contains("gradFn=mulBackward");
    }

    @Test
    void viewsShareStorageAndCopiesDoNot() {
        Tensor t = Tensor.arange(6);
        Tensor v = t.reshape(2, 3);
        Tensor c = t.copy();
        try (var ignored = Grad.disabled()) {
            t.fill(7f);
        }
        assertThat(v.get(1, 2)).isEqualTo(7f);
        assertThat(c.get(5)).isEqualTo(5f);
    }

    @Test
    void inPlaceOpsUpdateValues() {
        Tensor t = Tensor.of(new float[] {1, 2, 3});
        t.addInPlace(Tensor.of(new float[] {1, 1, 1}), 2f).mulInPlace(0.5f);
        assertThat(t.toArray()).containsExactly(1.5f, 2f, 2.5f);
        t.copyFrom(Tensor.scalar(4f));
        assertThat(t.toArray()).containsExactly(4f, 4f, 4f);
    }

    @Test
    void inPlaceChangeOfAVariableNeedsNoGradMode() {
        Tensor w = Tensor.ones(2).requiresGrad(true);
        assertThatThrownBy(() -> w.mulInPlace(2f))
                .hasMessage("mulInPlace: in-place change of a tensor of shape [2] that requires grad; do it inside Grad.disabled()");
        try (var ignored = Grad.disabled()) {
            w.mulInPlace(2f);
        }
        assertThat(w.toArray()).containsExactly(2f, 2f);
    }
}
