package dev.panagrad.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.panagrad.engine.IntTensor;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.Backends;
import dev.panagrad.engine.backend.opencl.OpenClBackend;
import dev.panagrad.engine.backend.simd.SimdBackend;
import dev.panagrad.nn.loss.Losses;
import dev.panagrad.nn.models.ResNet;
import dev.panagrad.nn.models.ResNets;
import dev.panagrad.nn.optim.Sgd;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * One ResNet-20 training step (forward, cross-entropy, backward, SGD with momentum and weight decay) on
 * the OpenCL backend against the same step on {@code simd}. The two sum in different orders, so they
 * agree to a tolerance: the loss to 1e-5 relative, every gradient tensor to 1e-3 of its largest entry,
 * and every updated weight to 1e-5.
 */
@Tag("opencl")
class OpenClTrainingStepTest {

    /** The loss, the gradients by parameter name, and the weights after the step. */
    record Step(float loss, Map<String, float[]> grads, List<float[]> weights) {
    }

    static Step step(Backend backend) {
        try (var ignored = Backends.scoped(backend)) {
            Rng rng = new Rng(3);
            ResNet model = ResNets.create("resnet20", 100, rng);
            Sgd opt = new Sgd(model.parameters(), 0.1, 0.9, 0, 5e-4, false);
            Tensor x = Tensor.randn(rng, 8, 3, 32, 32);
            int[] y = new int[8];
            for (int i = 0; i < y.length; i++) {
                y[i] = rng.nextInt(100);
            }
            opt.zeroGrad();
            Tensor loss = Losses.crossEntropy(model.forward(x), IntTensor.of(y));
            loss.backward();
            Map<String, float[]> grads = new java.util.LinkedHashMap<>();
            model.namedParameters().forEach((name, p) -> grads.put(name, p.grad().toArray()));
            opt.step();
            List<float[]> weights = new ArrayList<>();
            for (Tensor p : model.parameters()) {
                weights.add(p.toArray());
            }
            return new Step(loss.item(), grads, weights);
        }
    }

    @Test
    void aResNet20StepMatchesTheSimdBackend() {
        assumeThat(Boolean.getBoolean("panagrad.test.skipOpenCL")).as("OpenCL tests skipped by request").isFalse();
        Step reference = step(new SimdBackend());
        Step device = step(OpenClBackend.shared());

        assertThat(device.loss()).isCloseTo(reference.loss(), org.assertj.core.data.Percentage.withPercentage(1e-3));
        assertThat(device.grads().keySet()).containsExactlyElementsOf(reference.grads().keySet());
        for (var e : reference.grads().entrySet()) {
            float[] want = e.getValue();
            float[] got = device.grads().get(e.getKey());
            float scale = 0f;
            for (float v : want) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int i = 0; i < want.length; i++) {
                assertThat(Math.abs(got[i] - want[i])).as("d loss / d %s[%d]", e.getKey(), i)
                        .isLessThanOrEqualTo(1e-3f * scale + 1e-7f);
            }
        }
        for (int p = 0; p < reference.weights().size(); p++) {
            assertThat(device.weights().get(p)).containsExactly(reference.weights().get(p),
                    org.assertj.core.data.Offset.offset(1e-5f));
        }
    }
}
