package dev.panagrad.nn.layers;

import static dev.panagrad.engine.testing.TensorAssertions.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import dev.panagrad.engine.FloatTolerance;
import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.Functional;
import java.util.List;
import org.junit.jupiter.api.Test;
import dev.panagrad.engine.testing.PyTorchFixture;

/** Forward values of the layers against PyTorch's on fixed inputs (fixtures/make_fixtures.py). */
class LayersMatchPyTorchTest {
    private static final PyTorchFixture TORCH = PyTorchFixture.resource("/fixtures/torch_reference.json");


    @Test
    void conv2dMatchesForEveryCase() {
        List<?> cases = (List<?>) TORCH.get("conv2d");
        for (int i = 0; i < cases.size(); i++) {
            Object bias = ((java.util.Map<?, ?>) cases.get(i)).get("bias");
            Tensor y = Functional.conv2d(TORCH.tensor("conv2d", i, "x"), TORCH.tensor("conv2d", i, "weight"),
                    bias == null ? null : PyTorchFixture.toTensor(bias),
                    (int) TORCH.number("conv2d", i, "stride"), (int) TORCH.number("conv2d", i, "padding"),
                    (int) TORCH.number("conv2d", i, "dilation"), (int) TORCH.number("conv2d", i, "groups"));
            assertClose("conv2d case " + i, y, TORCH.tensor("conv2d", i, "y"), 1e-5);
        }
    }

    @Test
    void batchNorm2dTrainingEvaluationAndRunningStatistics() {
        BatchNorm2d bn = new BatchNorm2d(4);
        try (var ignored = Grad.disabled()) {
            bn.weight().copyFrom(TORCH.tensor("batchnorm2d", "weight"));
            bn.bias().copyFrom(TORCH.tensor("batchnorm2d", "bias"));
        }
        Tensor x = TORCH.tensor("batchnorm2d", "x");
        assertClose("train", bn.forward(x), TORCH.tensor("batchnorm2d", "y_train"), 1e-5);
        assertClose("train 2", bn.forward(x.mul(0.5f).sub(1f)), TORCH.tensor("batchnorm2d", "y_train2"), 1e-5);
        // Channel statistics of 3 x 5 x 5 = 75 values, two updates of the running averages.
        assertClose("running mean", bn.runningMean(), TORCH.tensor("batchnorm2d", "running_mean"), FloatTolerance.relative(2 * (75 + 3)));
        assertClose("running var", bn.runningVar(), TORCH.tensor("batchnorm2d", "running_var"), FloatTolerance.relative(2 * (2 * 75 + 4)));
        assertThat(bn.batchesTracked()).isEqualTo((long) TORCH.number("batchnorm2d", "num_batches_tracked"));
        bn.eval();
        assertClose("eval", bn.forward(x), TORCH.tensor("batchnorm2d", "y_eval"), 1e-5);
        assertThat(bn.batchesTracked()).isEqualTo(2);
    }

    @Test
    void poolingMatches() {
        Tensor x = TORCH.tensor("pooling", "x");
        assertClose("max 3/2/1", new MaxPool2d(3, 2, 1).forward(x), TORCH.tensor("pooling", "max_3_2_1"), 0);
        assertClose("max 2/2/0", new MaxPool2d(2).forward(x), TORCH.tensor("pooling", "max_2_2_0"), 0);
        assertClose("avg 3/2/1", new AvgPool2d(3, 2, 1).forward(x), TORCH.tensor("pooling", "avg_3_2_1"), FloatTolerance.relative(9 + 1));
        assertClose("adaptive 3x4", new AdaptiveAvgPool2d(3, 4).forward(x), TORCH.tensor("pooling", "adaptive_3_4"), FloatTolerance.relative(9 + 1));
        assertClose("adaptive 1x1", new AdaptiveAvgPool2d(1, 1).forward(x), TORCH.tensor("pooling", "adaptive_1_1"), FloatTolerance.relative(42 + 1));
    }

    @Test
    void linearMatches() {
        Tensor y = Functional.linear(TORCH.tensor("linear", "x"), TORCH.tensor("linear", "weight"), TORCH.tensor("linear", "bias"));
        assertClose("linear", y, TORCH.tensor("linear", "y"), FloatTolerance.relative(6 + 1));
    }
}
