package dev.panagrad.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.panagrad.engine.IntTensor;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.io.Checkpoint;
import dev.panagrad.nn.loss.Losses;
import dev.panagrad.nn.models.ResNet;
import dev.panagrad.nn.models.ResNets;
import dev.panagrad.nn.optim.Sgd;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The nn example of README.md, as written there, so that the README stays true. */
class ReadmeExampleTest {
    @TempDir
    Path dir;

    @Test
    void resnetExampleRuns() throws Exception {
        Rng rng = new Rng(0);
        ResNet net = ResNets.create("resnet20", 100, rng);          // 278,324 parameters, as in PyTorch
        Sgd sgd = new Sgd(net.parameters(), 0.05, 0.9, 0, 5e-4, false);
        Tensor images = Tensor.randn(rng, 64, 3, 32, 32);
        IntTensor labels = IntTensor.of(new int[64]);

        ResNet.Output out = net.forwardAll(images);                 // logits, pooled embedding, stage features
        Tensor loss = Losses.crossEntropy(out.logits(), labels);
        sgd.zeroGrad();
        loss.backward();
        sgd.step();
        Path file = dir.resolve("resnet20.safetensors");
        Checkpoint.saveModel(file, net); // conv1.weight, layer1.0.bn1.running_mean, ...

        assertThat(net.parameterCount()).isEqualTo(278_324L);
        assertThat(Files.size(file)).isGreaterThan(4L * 278_324);
    }
}
