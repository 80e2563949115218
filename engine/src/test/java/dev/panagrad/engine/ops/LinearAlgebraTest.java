package dev.panagrad.engine.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.panagrad.engine.GradCheck;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Shape;
import dev.panagrad.engine.Tensor;
import org.junit.jupiter.api.Test;

class LinearAlgebraTest {
    private final Rng rng = new Rng(41);

    @Test
    void matrixProductByHand() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = Tensor.of(new float[] {7, 8, 9, 10, 11, 12}, 3, 2);
        // [1 2 3; 4 5 6] x [7 8; 9 10; 11 12] = [58 64; 139 154]
        assertThat(a.matmul(b).toArray()).containsExactly(58, 64, 139, 154);
    }

    @Test
    void vectorsFollowTorchMatmulRules() {
        Tensor v = Tensor.of(new float[] {1, 2, 3});
        Tensor m = Tensor.of(new float[] {1, 0, 0, 1, 1, 1}, 3, 2);
        assertThat(v.matmul(v).shape()).isEqualTo(Shape.scalar());
        assertThat(v.matmul(v).item()).isEqualTo(14f);
        assertThat(v.matmul(m).shape()).isEqualTo(Shape.of(2));
        assertThat(v.matmul(m).toArray()).containsExactly(4, 5);
        assertThat(m.t().matmul(v).toArray()).containsExactly(4, 5);
    }

    @Test
    void batchDimensionsBroadcast() {
        Tensor a = Tensor.randn(rng, 2, 1, 3, 4);
        Tensor b = Tensor.randn(rng, 5, 4, 6);
        Tensor c = a.matmul(b);
        assertThat(c.shape()).isEqualTo(Shape.of(2, 5, 3, 6));
        Tensor expected = a.narrow(0, 1, 1).reshape(3, 4).matmul(b.narrow(0, 3, 1).reshape(4, 6));
        assertThat(c.narrow(0, 1, 1).narrow(1, 3, 1).reshape(3, 6).toArray()).containsExactly(expected.toArray());
    }

    @Test
    void innerDimensionMismatchNamesBothShapes() {
        assertThatThrownBy(() -> Tensor.zeros(64, 10).matmul(Tensor.zeros(12, 5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("matmul: [64, 10] x [12, 5]: inner dimensions 10 and 12 differ");
    }

    @Test
    void batchMismatchNamesTheBatchShapes() {
        assertThatThrownBy(() -> Tensor.zeros(2, 3, 4).matmul(Tensor.zeros(3, 4, 5)))
                .hasMessage("matmul: [2, 3, 4] x [3, 4, 5]: batch dimensions [2] and [3] do not broadcast");
    }

    @Test
    void gradientsOf2dProducts() {
        Tensor a = Tensor.randn(rng, 3, 4).requiresGrad(true);
        Tensor b = Tensor.randn(rng, 4, 5).requiresGrad(true);
        GradCheck.assertGradients(in -> in[0].matmul(in[1]), a, b);
    }

    @Test
    void gradientsOfBatchedProducts() {
        Tensor a = Tensor.randn(rng, 2, 3, 4).requiresGrad(true);
        Tensor b = Tensor.randn(rng, 2, 4, 5).requiresGrad(true);
        GradCheck.assertGradients(in -> in[0].matmul(in[1]), a, b);
    }

    @Test
    void gradientsOfASharedOperandSumOverTheBatch() {
        Tensor w = Tensor.randn(rng, 4, 5).requiresGrad(true);
        Tensor x = Tensor.randn(rng, 3, 2, 4).requiresGrad(true);
        GradCheck.assertGradients(in -> in[0].matmul(in[1]), x, w);
        GradCheck.assertGradients(in -> in[1].transpose(0, 1).matmul(in[0].transpose(1, 2)), x, w);
    }

    @Test
    void gradientsOfPartlyBroadcastBatches() {
        Tensor a = Tensor.randn(rng, 2, 1, 3, 4).requiresGrad(true);
        Tensor b = Tensor.randn(rng, 1, 3, 4, 2).requiresGrad(true);
        GradCheck.assertGradients(in -> in[0].matmul(in[1]), a, b);
    }

    @Test
    void gradientsOfVectorOperands() {
        Tensor v = Tensor.randn(rng, 4).requiresGrad(true);
        Tensor m = Tensor.randn(rng, 4, 3).requiresGrad(true);
        Tensor u = Tensor.randn(rng, 4).requiresGrad(true);
        GradCheck.assertGradients(in -> in[0].matmul(in[1]), v, m);
        GradCheck.assertGradients(in -> in[1].t().matmul(in[0]), v, m);
        GradCheck.assertGradients(in -> in[0].matmul(in[1]), v, u);
    }
}
