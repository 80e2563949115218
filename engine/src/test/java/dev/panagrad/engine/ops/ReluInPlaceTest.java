package dev.panagrad.engine.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.panagrad.engine.GradCheck;
import dev.panagrad.engine.Tensor;
import org.junit.jupiter.api.Test;

class ReluInPlaceTest {

    @Test
    void writesTheResultOverItsInputAndSharesTheStorage() {
        Tensor x = Tensor.of(new float[] {-1f, 2f, -3f, 4f}, 2, 2);
        Tensor y = x.reluInPlace();
        assertThat(y.toArray()).containsExactly(0f, 2f, 0f, 4f);
        assertThat(x.toArray()).containsExactly(0f, 2f, 0f, 4f);
        assertThat(y.storage()).isSameAs(x.storage());
    }

    @Test
    void itsGradientMatchesFiniteDifferencesAfterAnOpThatKeepsNoOutput() {
        Tensor a = Tensor.of(new float[] {-1.3f, 0.6f, 2.1f, -0.4f, 1.5f, -2.2f}, 2, 3).requiresGrad(true);
        Tensor b = Tensor.of(new float[] {0.5f, -0.9f, 0.3f}, 3).requiresGrad(true);
        GradCheck.assertGradients(in -> in[0].add(in[1]).reluInPlace().mul(in[0]), a, b);
    }

    @Test
    void givesTheSameGradientsAsTheOutOfPlaceRelu() {
        float[] values = {-1.3f, 0.6f, 2.1f, -0.4f};
        Tensor shift = Tensor.of(new float[] {0.5f, -0.5f, 0.5f, -0.5f}, 4);
        Tensor a = Tensor.of(values, 4).requiresGrad(true);
        a.add(shift).reluInPlace().mul(a).sum().backward(); // add keeps nothing for its backward
        Tensor b = Tensor.of(values, 4).requiresGrad(true);
        b.add(shift).relu().mul(b).sum().backward();
        assertThat(a.grad().toArray()).containsExactly(b.grad().toArray());
    }

    @Test
    void overwritingATensorThatAnOpSavedIsReportedInBackward() {
        Tensor a = Tensor.of(new float[] {-1f, 2f}, 2).requiresGrad(true);
        Tensor h = a.mul(3f);
        Tensor p = h.mul(h); // saves h for its backward
        h.reluInPlace();
        assertThatThrownBy(() -> p.sum().backward()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("mul").hasMessageContaining("modified in place");
    }

    @Test
    void aLeafThatRequiresGradCannotBeOverwritten() {
        Tensor a = Tensor.of(new float[] {-1f, 2f}, 2).requiresGrad(true);
        assertThatThrownBy(a::reluInPlace).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("relu_").hasMessageContaining("leaf");
    }
}
