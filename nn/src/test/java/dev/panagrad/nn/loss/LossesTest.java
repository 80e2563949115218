package dev.panagrad.nn.loss;

import static dev.panagrad.engine.testing.TensorAssertions.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.panagrad.engine.FloatTolerance;
import dev.panagrad.engine.GradCheck;
import dev.panagrad.engine.IntTensor;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;
import dev.panagrad.engine.testing.PyTorchFixture;

class LossesTest {
    private static final PyTorchFixture TORCH = PyTorchFixture.resource("/fixtures/torch_reference.json");

    private final Rng rng = new Rng(17);

    private static IntTensor target() {
        List<?> t = (List<?>) TORCH.get("losses", "target");
        return IntTensor.of(t.stream().mapToInt(v -> ((Number) v).intValue()).toArray());
    }

    @Test
    void crossEntropyMatchesPyTorchWithAndWithoutSmoothing() {
        for (String name : new String[] {"ce", "ce_smooth"}) {
            Tensor logits = TORCH.tensor("losses", "logits").requiresGrad(true);
            Tensor loss = Losses.crossEntropy(logits, target(), name.equals("ce") ? 0f : 0.1f);
            loss.backward();
            // 5 x 7 logits: log-softmax over 7 classes, then the mean of 35 terms.
            double value = TORCH.number("losses", name, "value");
            assertThat(loss.item()).as(name).isCloseTo((float) value, within(FloatTolerance.absoluteFloat(7 + 35 + 4, value)));
            assertClose(name + " grad", logits.grad(), TORCH.tensor("losses", name, "grad"), FloatTolerance.relative(7 + 6));
        }
    }

    @Test
    void mseMatchesPyTorch() {
        Tensor a = TORCH.tensor("losses", "mse", "a").requiresGrad(true);
        Tensor loss = Losses.mse(a, TORCH.tensor("losses", "mse", "b"));
        loss.backward();
        double value = TORCH.number("losses", "mse", "value");
        assertThat(loss.item()).isCloseTo((float) value, within(FloatTolerance.absoluteFloat(12 + 2, value)));
        assertClose("mse grad", a.grad(), TORCH.tensor("losses", "mse", "grad"), FloatTolerance.relative(3));
    }

    @Test
    void klDivBatchMeanMatchesPyTorch() {
        Tensor logq = TORCH.tensor("losses", "kl", "input").requiresGrad(true);
        Tensor loss = Losses.klDivBatchMean(logq, TORCH.tensor("losses", "kl", "target"));
        loss.backward();
        double value = TORCH.number("losses", "kl", "value");
        assertThat(loss.item()).isCloseTo((float) value, within(FloatTolerance.absoluteFloat(20 + 4, value)));
        assertClose("kl grad", logq.grad(), TORCH.tensor("losses", "kl", "grad"), FloatTolerance.relative(3));
    }

    @Test
    void bceWithLogitsMatchesPyTorch() {
        Tensor z = TORCH.tensor("losses", "bce", "logits").requiresGrad(true);
        Tensor loss = Losses.bceWithLogits(z, TORCH.tensor("losses", "bce", "target"));
        loss.backward();
        double value = TORCH.number("losses", "bce", "value");
        assertThat(loss.item()).isCloseTo((float) value, within(FloatTolerance.absoluteFloat(6 + 6, value)));
        assertClose("bce grad", z.grad(), TORCH.tensor("losses", "bce", "grad"), FloatTolerance.relative(6));
    }

    @Test
    void bceWithLogitsIsStableForLargeLogits() {
        Tensor loss = Losses.bceWithLogits(Tensor.of(new float[] {200f, -200f}), Tensor.of(new float[] {0f, 1f}));
        assertThat(loss.item()).isCloseTo(200f, within(1e-3f));
    }

    @Test
    void klDivIgnoresZeroTargetTerms() {
        Tensor logq = Tensor.of(new float[] {-1f, -2f}, 1, 2);
        Tensor p = Tensor.of(new float[] {1f, 0f}, 1, 2);
        assertThat(Losses.klDivBatchMean(logq, p).item()).isEqualTo(1f);
    }

    @Test
    void gradientChecks() {
        Tensor logits = Tensor.randn(rng, 4, 6).requiresGrad(true);
        IntTensor y = IntTensor.of(new int[] {5, 0, 2, 2});
        GradCheck.assertGradients(in -> Losses.crossEntropy(in[0], y, 0.2f), logits);
        Tensor a = Tensor.randn(rng, 3, 3).requiresGrad(true);
        Tensor b = Tensor.randn(rng, 3, 3).requiresGrad(true);
        GradCheck.assertGradients(in -> Losses.mse(in[0], in[1]), a, b);
        Tensor p = Tensor.randn(rng, 3, 3).softmax(1);
        GradCheck.assertGradients(in -> Losses.klDivBatchMean(in[0].logSoftmax(1), p), a);
        Tensor target = Tensor.rand(rng, 3, 3);
        GradCheck.assertGradients(in -> Losses.bceWithLogits(in[0], target), a);
    }

    @Test
    void targetsOutOfRangeAreNamed() {
        assertThatThrownBy(() -> Losses.crossEntropy(Tensor.zeros(2, 3), IntTensor.of(new int[] {0, 3})))
                .hasMessage("crossEntropy: target 3 at position 1 is out of range for 3 classes");
        assertThatThrownBy(() -> Losses.mse(Tensor.zeros(2), Tensor.zeros(3)))
                .hasMessage("mse: input [2] and target [3] differ");
    }
}
