package dev.panagrad.engine.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.panagrad.engine.GradCheck;
import dev.panagrad.engine.Tensor;
import org.junit.jupiter.api.Test;

class AddInPlaceTest {

    @Test
    void writesTheSumOverTheFirstOperandAndSharesItsStorage() {
        Tensor a = Tensor.of(new float[] {1f, 2f, 3f, 4f}, 2, 2);
        Tensor b = Tensor.of(new float[] {10f, 20f, 30f, 40f}, 2, 2);
        Tensor y = a.addInPlace(b);
        assertThat(y.toArray()).containsExactly(11f, 22f, 33f, 44f);
        assertThat(a.toArray()).containsExactly(11f, 22f, 33f, 44f);
        assertThat(y.storage()).isSameAs(a.storage());
        assertThat(b.toArray()).containsExactly(10f, 20f, 30f, 40f);
    }

    @Test
    void broadcastsTheSecondOperandToTheFirstsShape() {
        Tensor a = Tensor.of(new float[] {1f, 2f, 3f, 4f, 5f, 6f}, 2, 3);
        Tensor y = a.addInPlace(Tensor.of(new float[] {10f, 20f, 30f}, 3));
        assertThat(y.toArray()).containsExactly(11f, 22f, 33f, 14f, 25f, 36f);
    }

    @Test
    void aSecondOperandThatWouldGrowTheShapeIsRejectedWithBothShapes() {
        Tensor a = Tensor.of(new float[] {1f, 2f, 3f}, 3);
        Tensor b = Tensor.zeros(dev.panagrad.engine.Shape.of(2, 3));
        assertThatThrownBy(() -> a.addInPlace(b)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("add_").hasMessageContaining("[2, 3]").hasMessageContaining("[3]");
    }

    @Test
    void itsGradientsMatchFiniteDifferencesWithBroadcasting() {
        Tensor a = Tensor.of(new float[] {-1.3f, 0.6f, 2.1f, -0.4f, 1.5f, -2.2f}, 2, 3).requiresGrad(true);
        Tensor b = Tensor.of(new float[] {0.5f, -0.9f, 0.3f}, 3).requiresGrad(true);
        GradCheck.assertGradients(in -> in[0].sub(in[1]).addInPlace(in[1].mul(in[1])).mul(in[0]), a, b);
    }

    @Test
    void givesTheSameGradientsAsTheOutOfPlaceAdd() {
        float[] av = {-1.3f, 0.6f, 2.1f, -0.4f};
        float[] bv = {0.5f, -0.5f, 0.25f, 1f};
        Tensor shift = Tensor.of(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, 4); // sub keeps nothing for its backward
        Tensor a1 = Tensor.of(av, 4).requiresGrad(true);
        Tensor b1 = Tensor.of(bv, 4).requiresGrad(true);
        a1.sub(shift).addInPlace(b1).reluInPlace().mul(b1).sum().backward();
        Tensor a2 = Tensor.of(av, 4).requiresGrad(true);
        Tensor b2 = Tensor.of(bv, 4).requiresGrad(true);
        a2.sub(shift).add(b2).relu().mul(b2).sum().backward();
        assertThat(a1.grad().toArray()).containsExactly(a2.grad().toArray());
        assertThat(b1.grad().toArray()).containsExactly(b2.grad().toArray());
    }

    @Test
    void overwritingATensorThatAnOpSavedIsReportedInBackward() {
        Tensor a = Tensor.of(new float[] {-1f, 2f}, 2).requiresGrad(true);
        Tensor h = a.mul(3f);
        Tensor p = h.mul(h); // saves h for its backward
        h.addInPlace(Tensor.of(new float[] {1f, 1f}, 2));
        assertThatThrownBy(() -> p.sum().backward()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("mul").hasMessageContaining("modified in place");
    }

    @Test
    void aLeafThatRequiresGradCannotBeOverwritten() {
        Tensor a = Tensor.of(new float[] {-1f, 2f}, 2).requiresGrad(true);
        assertThatThrownBy(() -> a.addInPlace(Tensor.of(new float[] {1f, 1f}, 2)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("add_").hasMessageContaining("leaf");
    }
}
