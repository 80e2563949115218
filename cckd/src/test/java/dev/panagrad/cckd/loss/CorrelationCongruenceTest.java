package dev.panagrad.cckd.loss;

import static dev.panagrad.engine.testing.TensorAssertions.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.panagrad.engine.FloatTolerance;
import dev.panagrad.engine.GradCheck;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import dev.panagrad.engine.testing.PyTorchFixture;

class CorrelationCongruenceTest {
    private static final PyTorchFixture TORCH = PyTorchFixture.resource("/fixtures/torch_cc_reference.json");

    private final Rng rng = new Rng(12);

    @Test
    void kernelValuesMatchTheTestVectorsOfTheMethod() {
        double[] s = {1.0, 0.5, 0.0, -0.5, -1.0};
        double[][] expected = {
            {1.000000, 0.670320, 0.449329, 0.301194, 0.201897},
            {0.808792, 0.629061, 0.449329, 0.269597, 0.089866},
            {0.952577, 0.665007, 0.449329, 0.305544, 0.233651},
            {0.990920, 0.669800, 0.449329, 0.300751, 0.195308}};
        CorrelationKernel[] kernels = {new CorrelationKernel.Gaussian(0.4), new CorrelationKernel.GaussianTaylor(1, 0.4),
            new CorrelationKernel.GaussianTaylor(2, 0.4), new CorrelationKernel.GaussianTaylor(3, 0.4)};
        for (int k = 0; k < kernels.length; k++) {
            for (int i = 0; i < s.length; i++) {
                assertThat(kernels[k].ofCosine(s[i])).as("%s at s = %s", kernels[k], s[i]).isCloseTo(expected[k][i], within(1e-6));
            }
        }
    }

    @Test
    void theDefaultIsTheSecondOrderExpansion() {
        assertThat(CorrelationKernel.defaultKernel()).isEqualTo(new CorrelationKernel.GaussianTaylor(2, 0.4));
        // C = 0.449329 (1 + 0.8 s + 0.32 s^2)
        assertThat(((CorrelationKernel.GaussianTaylor) CorrelationKernel.defaultKernel()).coefficient(2))
                .isCloseTo(0.449329 * 0.32, within(1e-6));
    }

    @Test
    void valueAndGradientByHandOnATinyBatch() {
        // Student rows (2, 0) and (0, 1): cosine 0. Teacher rows both (1, 0): cosine 1.
        Tensor fs = Tensor.of(new float[] {2, 0, 0, 1}, 2, 2).requiresGrad(true);
        Tensor ft = Tensor.of(new float[] {1, 0, 1, 0}, 2, 2);
        double c0 = Math.exp(-0.8);
        double g0 = c0;                                  // g(0)
        double g1 = c0 * (1 + 0.8 + 0.32);               // g(1)
        double dg0 = c0 * 0.8;                           // g'(0)
        // C_s - C_t is zero on the diagonal and g(0) - g(1) off it: L = 2 (g0 - g1)^2 / 4.
        double loss = (g0 - g1) * (g0 - g1) / 2;
        Tensor l = CorrelationCongruence.loss(fs, ft);
        assertThat(l.item()).isCloseTo((float) loss, within(1e-7f));
        l.backward();
        // G_12 = 2 (g0 - g1) g'(0) / 4; dX^ = 2 G X^: row 1 gets 2 G_12 (0, 1), row 2 gets 2 G_12 (1, 0);
        // the normalisation removes nothing here (orthogonal) and divides by the norms 2 and 1.
        double g12 = 2 * (g0 - g1) * dg0 / 4;
        assertThat(fs.grad().toArray()).containsExactly(new float[] {0f, (float) (2 * g12 / 2), (float) (2 * g12), 0f},
                within(1e-7f));
    }

    @Test
    void valuesAndGradientsMatchPyTorchForEveryKernel() {
        List<?> cases = (List<?>) TORCH.get("cc", "cases");
        for (int i = 0; i < cases.size(); i++) {
            Map<?, ?> k = (Map<?, ?>) TORCH.get("cc", "cases", i, "kernel");
            CorrelationKernel kernel = CorrelationKernel.parse((String) k.get("name"),
                    k.containsKey("order") ? ((Number) k.get("order")).intValue() : 2,
                    k.containsKey("gamma") ? ((Number) k.get("gamma")).doubleValue() : 0.4);
            Tensor fs = TORCH.tensor("cc", "student").requiresGrad(true);
            Tensor loss = CorrelationCongruence.loss(fs, TORCH.tensor("cc", "teacher"), kernel);
            loss.backward();
            // 8 x 5 features: norms and cosines (sums of 5, a square root, a division), the kernel, then the
            // mean of 64 squared differences; the backward pass runs the chain again.
            int chain = 5 + 2 + 5 + 4 + 64 + 3;
            double value = TORCH.number("cc", "cases", i, "value");
            assertThat(loss.item()).as(kernel.toString()).isCloseTo((float) value,
                    within(FloatTolerance.absoluteFloat(chain, value)));
            assertClose(kernel + " grad", fs.grad(), TORCH.tensor("cc", "cases", i, "grad"), FloatTolerance.relative(2 * chain));
        }
    }

    @Test
    void gradientChecksForEveryKernel() {
        Tensor ft = Tensor.randn(rng, 6, 4);
        for (CorrelationKernel k : List.of(new CorrelationKernel.Bilinear(), new CorrelationKernel.Gaussian(0.4),
                new CorrelationKernel.Mmd(), new CorrelationKernel.GaussianTaylor(1, 0.4),
                new CorrelationKernel.GaussianTaylor(2, 0.4), new CorrelationKernel.GaussianTaylor(3, 0.4))) {
            Tensor fs = Tensor.randn(rng, 6, 4).requiresGrad(true);
            GradCheck.defaults().atol(2e-4).verify(in -> CorrelationCongruence.loss(in[0], ft, k), fs);
        }
    }

    @Test
    void theTeacherGetsNoGradient() {
        Tensor fs = Tensor.randn(rng, 4, 3).requiresGrad(true);
        Tensor ft = Tensor.randn(rng, 4, 3).requiresGrad(true);
        CorrelationCongruence.loss(fs, ft).backward();
        assertThat(ft.grad()).isNull();
        assertThat(fs.grad()).isNotNull();
    }

    @Test
    void identicalCorrelationsGiveZero() {
        Tensor f = Tensor.randn(rng, 5, 3);
        assertThat(CorrelationCongruence.loss(f.mul(3f), f).item()).isCloseTo(0f, within(1e-6f));
    }

    @Test
    void mismatchedWidthsAskForAProjection() {
        assertThatThrownBy(() -> CorrelationCongruence.loss(Tensor.zeros(4, 8), Tensor.zeros(4, 16)))
                .hasMessageContaining("project the student to the teacher's width first");
    }

    @Test
    void kernelNamesParse() {
        assertThat(CorrelationKernel.parse("gaussian-taylor", 3, 0.5)).isEqualTo(new CorrelationKernel.GaussianTaylor(3, 0.5));
        assertThatThrownBy(() -> CorrelationKernel.parse("cosine", 2, 0.4)).hasMessageContaining("known: bilinear");
    }
}
