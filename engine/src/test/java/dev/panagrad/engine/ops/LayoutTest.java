package dev.panagrad.engine.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.panagrad.engine.GradCheck;
import dev.panagrad.engine.IntTensor;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Shape;
import dev.panagrad.engine.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Views, layout changes and indexing: values, errors and gradients. */
class LayoutTest {
    private final Rng rng = new Rng(51);
    /** [[0, 1, 2], [3, 4, 5]]. */
    private final Tensor m = Tensor.arange(6).reshape(2, 3);

    @Test
    void reshapeInfersOneDimension() {
        assertThat(Tensor.arange(12).reshape(3, -1).shape()).isEqualTo(Shape.of(3, 4));
    }

    @Test
    void reshapeToAnotherElementCountIsAnError() {
        assertThatThrownBy(() -> m.reshape(4, 2))
                .hasMessage("reshape: cannot view [2, 3] (6 elements) as [4, 2] (8 elements)");
    }

    @Test
    void flattenSqueezeUnsqueeze() {
        Tensor x = Tensor.zeros(2, 1, 3, 1);
        assertThat(x.flatten().shape()).isEqualTo(Shape.of(6));
        assertThat(x.flatten(1, 2).shape()).isEqualTo(Shape.of(2, 3, 1));
        assertThat(x.squeeze().shape()).isEqualTo(Shape.of(2, 3));
        assertThat(x.squeeze(1).shape()).isEqualTo(Shape.of(2, 3, 1));
        assertThat(x.squeeze(0).shape()).isEqualTo(Shape.of(2, 1, 3, 1));
        assertThat(m.unsqueeze(0).shape()).isEqualTo(Shape.of(1, 2, 3));
        assertThat(m.unsqueeze(-1).shape()).isEqualTo(Shape.of(2, 3, 1));
    }

    @Test
    void transposeAndPermuteMoveElements() {
        assertThat(m.t().toArray()).containsExactly(0, 3, 1, 4, 2, 5);
        Tensor x = Tensor.arange(24).reshape(2, 3, 4);
        Tensor p = x.permute(2, 0, 1);
        assertThat(p.shape()).isEqualTo(Shape.of(4, 2, 3));
        assertThat(p.get(3, 1, 2)).isEqualTo(x.get(1, 2, 3));
    }

    @Test
    void permuteRejectsARepeatedDimension() {
        assertThatThrownBy(() -> m.permute(0, 0)).hasMessage("permute: [0, 0] is not a permutation of 2 dimensions");
    }

    @Test
    void narrowAndSliceSelectRanges() {
        assertThat(m.narrow(1, 1, 2).toArray()).containsExactly(1, 2, 4, 5);
        Tensor v = Tensor.arange(10);
        assertThat(v.slice(0, 1, 8, 3).toArray()).containsExactly(1, 4, 7);
        assertThat(v.slice(0, -3, 100, 1).toArray()).containsExactly(7, 8, 9);
    }

    @Test
    void narrowOutsideTheDimensionIsAnError() {
        assertThatThrownBy(() -> m.narrow(1, 2, 2))
                .hasMessage("narrow: start 2 and length 2 do not fit dimension 1 of size 3 in shape [2, 3]");
    }

    @Test
    void concatAndStackJoinTensors() {
        Tensor a = Tensor.ones(2, 1);
        Tensor b = Tensor.zeros(2, 2);
        assertThat(Tensor.concat(List.of(a, b), 1).toArray()).containsExactly(1, 0, 0, 1, 0, 0);
        Tensor s = Tensor.stack(List.of(Tensor.ones(3), Tensor.zeros(3)), 1);
        assertThat(s.shape()).isEqualTo(Shape.of(3, 2));
        assertThat(s.toArray()).containsExactly(1, 0, 1, 0, 1, 0);
    }

    @Test
    void concatOfMismatchedShapesNamesThem() {
        assertThatThrownBy(() -> Tensor.concat(List.of(Tensor.ones(2, 3), Tensor.ones(3, 3)), 1))
                .hasMessage("concat: tensor 1 has shape [3, 3], tensor 0 has shape [2, 3]; only dimension 1 may differ");
    }

    @Test
    void expandRepeatsAlongBroadcastDimensions() {
        Tensor col = Tensor.of(new float[] {1, 2}, 2, 1);
        assertThat(col.expand(2, 3).toArray()).containsExactly(1, 1, 1, 2, 2, 2);
        assertThatThrownBy(() -> col.expand(3, 3)).hasMessage("expand: shape [2, 1] cannot be broadcast to [3, 3]");
    }

    @Test
    void indexSelectAndGather() {
        assertThat(m.indexSelect(1, 2, 0, 2).toArray()).containsExactly(2, 0, 2, 5, 3, 5);
        assertThat(m.indexSelect(0, 1).toArray()).containsExactly(3, 4, 5);
        IntTensor idx = IntTensor.of(new int[] {2, 0, 1, 1}, 2, 2);
        assertThat(m.gather(1, idx).toArray()).containsExactly(2, 0, 4, 4);
    }

    @Test
    void indicesOutOfRangeAreNamed() {
        assertThatThrownBy(() -> m.indexSelect(0, 2))
                .hasMessage("indexSelect: index 2 at position 0 out of range for dimension 0 of size 2 in shape [2, 3]");
        assertThatThrownBy(() -> m.gather(1, IntTensor.of(new int[] {3}, 1, 1)))
                .hasMessage("gather: index value 3 at flat position 0 out of range for dimension 1 of size 3 in shape [2, 3]");
    }

    @Test
    void gradientsOfViews() {
        Tensor x = Tensor.randn(rng, 2, 1, 3).requiresGrad(true);
        GradCheck.assertGradients(in -> in[0].reshape(3, 2).mul(Tensor.arange(6).reshape(3, 2)), x);
        GradCheck.assertGradients(in -> in[0].flatten().mul(Tensor.arange(6)), x);
        GradCheck.assertGradients(in -> in[0].squeeze().unsqueeze(0).exp(), x);
    }

    @Test
    void gradientsOfLayoutChanges() {
        Tensor x = Tensor.randn(rng, 2, 3, 4).requiresGrad(true);
        GradCheck.assertGradients(in -> in[0].transpose(0, 2), x);
        GradCheck.assertGradients(in -> in[0].permute(1, 2, 0), x);
        GradCheck.assertGradients(in -> in[0].narrow(2, 1, 2), x);
        GradCheck.assertGradients(in -> in[0].slice(1, 0, 3, 2), x);
        Tensor b = Tensor.randn(rng, 3, 1).requiresGrad(true);
        GradCheck.assertGradients(in -> in[0].expand(2, 3, 4), b);
    }

    @Test
    void gradientsOfConcatAndStack() {
        Tensor a = Tensor.randn(rng, 2, 3).requiresGrad(true);
        Tensor b = Tensor.randn(rng, 2, 1).requiresGrad(true);
        Tensor c = Tensor.randn(rng, 2, 3).requiresGrad(true);
        GradCheck.assertGradients(in -> Tensor.concat(List.of(in[0], in[1], in[0]), 1), a, b);
        GradCheck.assertGradients(in -> Tensor.stack(List.of(in[0], in[1]), 0), a, c);
        GradCheck.assertGradients(in -> Tensor.stack(List.of(in[0], in[1]), -1), a, c);
    }

    @Test
    void gradientsOfIndexing() {
        Tensor x = Tensor.randn(rng, 4, 3).requiresGrad(true);
        GradCheck.assertGradients(in -> in[0].indexSelect(0, 3, 1, 3), x);
        GradCheck.assertGradients(in -> in[0].indexSelect(1, 0, 2), x);
        IntTensor idx = IntTensor.of(new int[] {0, 2, 2, 1, 1, 1}, 3, 2);
        GradCheck.assertGradients(in -> in[0].gather(1, idx), x);
        GradCheck.assertGradients(in -> in[0].gather(0, IntTensor.of(new int[] {3, 0, 3}, 1, 3)), x);
    }

    @Test
    void repeatedIndicesAccumulateGradient() {
        Tensor x = Tensor.zeros(3).requiresGrad(true);
        x.indexSelect(0, 1, 1, 2).sum().backward();
        assertThat(x.grad().toArray()).containsExactly(0, 2, 1);
    }
}
