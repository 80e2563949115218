package dev.panagrad.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class AutogradTest {

    @Test
    void backwardOfAProductGivesTheOtherFactor() {
        Tensor a = Tensor.of(new float[] {2f, 3f}).requiresGrad(true);
        Tensor b = Tensor.of(new float[] {5f, 7f}).requiresGrad(true);
        a.mul(b).sum().backward();
        assertThat(a.grad().toArray()).containsExactly(5f, 7f);
        assertThat(b.grad().toArray()).containsExactly(2f, 3f);
    }

    @Test
    void aTensorUsedTwiceReceivesBothGradients() {
        Tensor x = Tensor.scalar(3f).requiresGrad(true);
        // d/dx (x*x + x) = 2x + 1 = 7
        x.mul(x).add(x).backward();
        assertThat(x.grad().item()).isEqualTo(7f);
    }

    @Test
    void diamondGraphsVisitSharedNodesOnce() {
        Tensor x = Tensor.scalar(2f).requiresGrad(true);
        Tensor y = x.exp();
        // z = y * y + y: dz/dx = (2y + 1) y
        y.mul(y).add(y).backward();
        float e2 = (float) Math.exp(2);
        assertThat(x.grad().item()).isCloseTo((2 * e2 + 1) * e2, within(1e-3f));
    }

    @Test
    void gradientsAccumulateAcrossBackwardCalls() {
        Tensor x = Tensor.scalar(1f).requiresGrad(true);
        x.mul(3f).backward();
        x.mul(4f).backward();
        assertThat(x.grad().item()).isEqualTo(7f);
    }

    @Test
    void zeroGradClearsTheGradient() {
        Tensor x = Tensor.scalar(1f).requiresGrad(true);
        x.mul(3f).backward();
        x.zeroGrad();
        assertThat(x.grad()).isNull();
        x.mul(4f).backward();
        assertThat(x.grad().item()).isEqualTo(4f);
    }

    @Test
    void explicitUpstreamGradientWeightsTheOutputs() {
        Tensor x = Tensor.of(new float[] {1f, 2f}).requiresGrad(true);
        x.mul(x).backward(Tensor.of(new float[] {10f, 100f}));
        assertThat(x.grad().toArray()).containsExactly(20f, 400f);
    }

    @Test
    void backwardFromANonScalarWithoutGradientIsAnError() {
        Tensor x = Tensor.ones(2, 3).requiresGrad(true);
        assertThatThrownBy(() -> x.mul(2f).backward())
                .hasMessage("backward: output of shape [2, 3] is not a scalar; pass a gradient of that shape to backward(gradient)");
    }

    @Test
    void upstreamGradientMustMatchTheOutputShape() {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        assertThatThrownBy(() -> x.mul(2f).backward(Tensor.ones(3)))
                .hasMessage("backward: gradient of shape [3] for an output of shape [2]");
    }

    @Test
    void backwardOnATensorWithoutGradIsAnError() {
        assertThatThrownBy(() -> Tensor.ones(1).mul(2f).sum().backward())
                .hasMessage("backward: tensor of shape [] does not require grad and has no grad_fn");
    }

    @Test
    void secondBackwardThroughAFreedGraphIsAnError() {
        Tensor x = Tensor.scalar(2f).requiresGrad(true);
        Tensor y = x.mul(x);
        y.backward();
        assertThatThrownBy(y::backward)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("mul: backward through a graph that an earlier backward already freed");
    }

    @Test
    void retainedGraphAllowsASecondBackward() {
        Tensor x = Tensor.scalar(2f).requiresGrad(true);
        Tensor y = x.mul(x);
        y.backward(Tensor.scalar(1f), true);
        y.backward(Tensor.scalar(1f), false);
        assertThat(x.grad().item()).isEqualTo(8f);
    }

    @Test
    void backwardFreesTheSavedTensors() {
        Tensor x = Tensor.scalar(2f).requiresGrad(true);
        Tensor y = x.mul(x);
        assertThat(y.gradFn().isFreed()).isFalse();
        y.backward();
        assertThat(y.gradFn().isFreed()).isTrue();
    }

    @Test
    void detachCutsTheGraphButSharesValues() {
        Tensor x = Tensor.scalar(3f).requiresGrad(true);
        Tensor d = x.mul(2f).detach();
        assertThat(d.requiresGrad()).isFalse();
        assertThat(d.gradFn()).isNull();
        assertThat(d.item()).isEqualTo(6f);
        // d acts as a constant: d(x * d)/dx = d
        x.mul(d).backward();
        assertThat(x.grad().item()).isEqualTo(6f);
    }

    @Test
    void noGradScopeRecordsNothingAndRestoresTheMode() {
        Tensor x = Tensor.scalar(3f).requiresGrad(true);
        Tensor y;
        try (var ignored = Grad.disabled()) {
            y = x.mul(2f);
            assertThat(Grad.isEnabled()).isFalse();
        }
        assertThat(Grad.isEnabled()).isTrue();
        assertThat(y.requiresGrad()).isFalse();
        assertThat(y.gradFn()).isNull();
    }

    @Test
    void opsOnConstantsRecordNothing() {
        Tensor y = Tensor.ones(2).mul(Tensor.ones(2));
        assertThat(y.requiresGrad()).isFalse();
        assertThat(y.isLeaf()).isTrue();
    }

    @Test
    void onlyLeavesReceiveGradientsUnlessRetained() {
        Tensor x = Tensor.scalar(2f).requiresGrad(true);
        Tensor h = x.mul(3f);
        Tensor kept = x.mul(5f).retainGrad();
        h.mul(kept).backward();
        assertThat(h.grad()).isNull();
        assertThat(kept.grad().item()).isEqualTo(6f);
    }

    @Test
    void modifyingASavedTensorInPlaceIsCaughtAtBackward() {
        Tensor w = Tensor.of(new float[] {1f, 2f}).requiresGrad(true);
        Tensor x = Tensor.of(new float[] {3f, 4f});
        Tensor y = w.mul(x).sum();
        x.mulInPlace(2f);
        assertThatThrownBy(y::backward)
                .hasMessage("mul: a tensor of shape [2] saved for backward was modified in place (version 1, saved at version 0)");
    }

    @Test
    void markingANonLeafIsAnError() {
        Tensor x = Tensor.ones(1).requiresGrad(true);
        assertThatThrownBy(() -> x.exp().requiresGrad(false))
                .hasMessageStartingWith("requiresGrad: only leaf tensors can be marked; this one is the output of exp");
    }

    @Test
    void gradientsOfConstantInputsAreNotComputed() {
        Tensor w = Tensor.ones(2, 2).requiresGrad(true);
        Tensor x = Tensor.ones(2, 2);
        x.matmul(w).sum().backward();
        assertThat(x.grad()).isNull();
        assertThat(w.grad().toArray()).containsExactly(2f, 2f, 2f, 2f);
    }

    @Test
    void broadcastGradientsAreSummedToTheInputShape() {
        Tensor x = Tensor.ones(3, 4).requiresGrad(true);
        Tensor b = Tensor.zeros(4).requiresGrad(true);
        x.add(b).sum().backward();
        assertThat(b.grad().shape()).isEqualTo(Shape.of(4));
        assertThat(b.grad().toArray()).containsExactly(3f, 3f, 3f, 3f);
    }

    @Test
    void customOpsRecordThroughTheAutogradApi() {
        Tensor x = Tensor.of(new float[] {1f, 2f}).requiresGrad(true);
        Tensor out = Tensor.of(new float[] {3f, 6f}); // 3x, computed by hand
        Tensor y = Autograd.op("triple", x).result(out, (g, needs) -> new Tensor[] {g.mul(3f)});
        assertThat(y.gradFn().op()).isEqualTo("triple");
        assertThat(y.gradFn().inputs()).isEqualTo(List.of(x));
        y.sum().backward();
        assertThat(x.grad().toArray()).containsExactly(3f, 3f);
    }
}
