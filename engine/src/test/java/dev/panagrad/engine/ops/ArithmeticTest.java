package dev.panagrad.engine.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.panagrad.engine.GradCheck;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Shape;
import dev.panagrad.engine.Tensor;
import org.junit.jupiter.api.Test;

class ArithmeticTest {
    private final Rng rng = new Rng(21);

    @Test
    void broadcastValuesFollowNumPy() {
        Tensor col = Tensor.of(new float[] {1, 2}, 2, 1);
        Tensor row = Tensor.of(new float[] {10, 20, 30}, 1, 3);
        assertThat(col.add(row).shape()).isEqualTo(Shape.of(2, 3));
        assertThat(col.add(row).toArray()).containsExactly(11, 21, 31, 12, 22, 32);
        assertThat(row.sub(col).toArray()).containsExactly(9, 19, 29, 8, 18, 28);
        assertThat(col.mul(row).toArray()).containsExactly(10, 20, 30, 20, 40, 60);
        assertThat(row.div(col).toArray()).containsExactly(10, 20, 30, 5, 10, 15);
    }

    @Test
    void maximumAndMinimumPickElementwise() {
        Tensor a = Tensor.of(new float[] {1, 5, 3});
        Tensor b = Tensor.of(new float[] {4, 2, 3});
        assertThat(a.maximum(b).toArray()).containsExactly(4, 5, 3);
        assertThat(a.minimum(b).toArray()).containsExactly(1, 2, 3);
    }

    @Test
    void comparisonsGiveOnesAndZeros() {
        Tensor a = Tensor.of(new float[] {1, 2, 3});
        Tensor b = Tensor.of(new float[] {2, 2, 2});
        assertThat(a.gt(b).toArray()).containsExactly(0, 0, 1);
        assertThat(a.ge(b).toArray()).containsExactly(0, 1, 1);
        assertThat(a.lt(b).toArray()).containsExactly(1, 0, 0);
        assertThat(a.le(b).toArray()).containsExactly(1, 1, 0);
        assertThat(a.eq(b).toArray()).containsExactly(0, 1, 0);
        assertThat(a.ne(b).toArray()).containsExactly(1, 0, 1);
    }

    @Test
    void whereSelectsByCondition() {
        Tensor cond = Tensor.of(new float[] {1, 0, 1}, 3, 1);
        Tensor a = Tensor.of(new float[] {1, 2}, 1, 2);
        Tensor out = Tensor.where(cond, a, Tensor.scalar(-1f));
        assertThat(out.shape()).isEqualTo(Shape.of(3, 2));
        assertThat(out.toArray()).containsExactly(1, 2, -1, -1, 1, 2);
    }

    @Test
    void incompatibleShapesNameTheOp() {
        assertThatThrownBy(() -> Tensor.ones(2, 3).mul(Tensor.ones(2)))
                .hasMessage("mul: shapes [2, 3] and [2] do not broadcast: dimension 1 of the result would be 3 and 2");
    }

    @Test
    void gradientsOfEqualShapes() {
        Tensor a = Tensor.randn(rng, 3, 4).requiresGrad(true);
        Tensor b = Tensor.randn(rng, 3, 4).add(3f).requiresGrad(true);
        GradCheck.assertGradients(in -> in[0].add(in[1]), a, b);
        GradCheck.assertGradients(in -> in[0].sub(in[1]), a, b);
        GradCheck.assertGradients(in -> in[0].mul(in[1]), a, b);
        GradCheck.assertGradients(in -> in[0].div(in[1]), a, b);
    }

    @Test
    void gradientsOfBroadcastOperands() {
        Tensor a = Tensor.randn(rng, 2, 3, 4).requiresGrad(true);
        Tensor row = Tensor.randn(rng, 4).requiresGrad(true);
        Tensor col = Tensor.randn(rng, 3, 1).add(3f).requiresGrad(true);
        Tensor scalar = Tensor.scalar(1.7f).requiresGrad(true);
        GradCheck.assertGradients(in -> in[0].add(in[1]), a, row);
        GradCheck.assertGradients(in -> in[0].sub(in[1]), row, a);
        GradCheck.assertGradients(in -> in[0].mul(in[1]), a, col);
        GradCheck.assertGradients(in -> in[0].div(in[1]), a, col);
        GradCheck.assertGradients(in -> in[0].mul(in[1]), scalar, a);
        GradCheck.assertGradients(in -> in[1].div(in[0]), scalar, row);
    }

    @Test
    void gradientsOfMaximumAndMinimumWithoutTies() {
        Tensor a = Tensor.randn(rng, 3, 4).requiresGrad(true);
        Tensor b = Tensor.randn(rng, 4).requiresGrad(true);
        GradCheck.assertGradients(in -> in[0].maximum(in[1]), a, b);
        GradCheck.assertGradients(in -> in[0].minimum(in[1]), a, b);
    }

    @Test
    void tiesShareTheGradientOfMaximumEqually() {
        Tensor a = Tensor.of(new float[] {1, 2, 3}).requiresGrad(true);
        Tensor b = Tensor.of(new float[] {2, 2, 2}).requiresGrad(true);
        a.maximum(b).sum().backward();
        assertThat(a.grad().toArray()).containsExactly(0f, 0.5f, 1f);
        assertThat(b.grad().toArray()).containsExactly(1f, 0.5f, 0f);
    }

    @Test
    void gradientsOfWhereFlowToTheChosenSide() {
        Tensor cond = Tensor.of(new float[] {1, 0, 0, 1}, 2, 2);
        Tensor a = Tensor.randn(rng, 2, 2).requiresGrad(true);
        Tensor b = Tensor.randn(rng, 2).requiresGrad(true);
        GradCheck.assertGradients(in -> Tensor.where(cond, in[0], in[1]), a, b);
        a.zeroGrad();
        b.zeroGrad();
        Tensor.where(cond, a, b).sum().backward();
        assertThat(a.grad().toArray()).containsExactly(1, 0, 0, 1);
        assertThat(b.grad().toArray()).containsExactly(1, 1);
    }
}
