package dev.panagrad.nn.models;

import static org.assertj.core.api.Assertions.assertThat;

import dev.panagrad.engine.IntTensor;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.TensorScope;
import dev.panagrad.engine.backend.HostArrayPool;
import dev.panagrad.nn.loss.Losses;
import dev.panagrad.nn.optim.Sgd;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A ResNet trains to the same bits whether its steps run in scopes, with or without early release. */
class ScopedTrainingTest {

    @AfterEach
    void restore() {
        HostArrayPool.setPoison(false);
    }

    @Test
    void scopesAndReleasingSavedTensorsDuringBackwardChangeNoBit() {
        List<float[]> plain = train(Mode.NO_SCOPE);
        HostArrayPool.setPoison(true); // memory that comes back is NaN until an op writes it
        List<float[]> scoped = train(Mode.SCOPE);
        List<float[]> releasing = train(Mode.RELEASING_SAVED);
        for (int i = 0; i < plain.size(); i++) {
            assertThat(scoped.get(i)).as("parameter %d, scoped", i).containsExactly(plain.get(i));
            assertThat(releasing.get(i)).as("parameter %d, saved tensors released in backward", i)
                    .containsExactly(plain.get(i));
        }
    }

    private enum Mode { NO_SCOPE, SCOPE, RELEASING_SAVED }

    /** Three SGD steps of a ResNet-8 (fused blocks, stem, pooling, classifier); its parameters after them. */
    private static List<float[]> train(Mode mode) {
        Rng rng = new Rng(11);
        ResNet net = ResNets.create("resnet8", 10, rng);
        net.train();
        Sgd sgd = new Sgd(net.parameters(), 0.05, 0.9, 0, 5e-4, false);
        Tensor images = Tensor.randn(rng, 8, 3, 16, 16);
        IntTensor labels = IntTensor.of(new int[] {0, 1, 2, 3, 4, 5, 6, 7});
        for (int step = 0; step < 3; step++) {
            TensorScope scope = switch (mode) {
                case NO_SCOPE -> null;
                case SCOPE -> TensorScope.open();
                case RELEASING_SAVED -> TensorScope.open().releasingSavedTensors();
            };
            try {
                Tensor loss = Losses.crossEntropy(net.forward(images), labels);
                sgd.zeroGrad();
                loss.backward();
                sgd.step();
            } finally {
                if (scope != null) {
                    scope.close();
                }
            }
        }
        return net.parameters().stream().map(Tensor::toArray).toList();
    }
}
