package dev.panagrad.engine.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.panagrad.engine.GradCheck;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Shape;
import dev.panagrad.engine.Tensor;
import org.junit.jupiter.api.Test;

class LinearTest {
    private final Rng rng = new Rng(101);

    @Test
    void computesXTimesWeightTransposedPlusBias() {
        Tensor x = Tensor.of(new float[] {1, 2}, 1, 2);
        Tensor w = Tensor.of(new float[] {1, 0, 0, 1, 1, 1}, 3, 2);
        Tensor b = Tensor.of(new float[] {0.5f, 0, -1});
        assertThat(LinearAlgebra.linear(x, w, b).toArray()).containsExactly(1.5f, 2f, 2f);
    }

    @Test
    void leadingDimensionsArePreserved() {
        Tensor y = LinearAlgebra.linear(Tensor.zeros(2, 5, 4), Tensor.zeros(3, 4), null);
        assertThat(y.shape()).isEqualTo(Shape.of(2, 5, 3));
    }

    @Test
    void mismatchedFeaturesAreNamed() {
        assertThatThrownBy(() -> LinearAlgebra.linear(Tensor.zeros(64, 10), Tensor.zeros(5, 12), null))
                .hasMessage("linear: input [64, 10] and weight [5, 12]: expected weight [out, 10]");
    }

    @Test
    void gradients() {
        Tensor x = Tensor.randn(rng, 2, 3, 4).requiresGrad(true);
        Tensor w = Tensor.randn(rng, 5, 4).requiresGrad(true);
        Tensor b = Tensor.randn(rng, 5).requiresGrad(true);
        GradCheck.assertGradients(in -> LinearAlgebra.linear(in[0], in[1], in[2]), x, w, b);
        GradCheck.assertGradients(in -> LinearAlgebra.linear(in[0], in[1], null), x, w);
    }
}
