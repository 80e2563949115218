package dev.panagrad.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.panagrad.engine.GraphExport;
import dev.panagrad.engine.IntTensor;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.TensorScope;
import dev.panagrad.engine.backend.HostArrayPool;
import dev.panagrad.nn.io.Checkpoint;
import dev.panagrad.nn.loss.Losses;
import dev.panagrad.nn.models.ResNet;
import dev.panagrad.nn.models.ResNets;
import dev.panagrad.nn.optim.Sgd;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The nn examples of README.md: its code blocks are the regions between {@code // snippet:NAME} and
 * {@code // end snippet} below (checked by the engine's {@code ReadmeSnippetsTest}), so they run here
 * and cannot drift. They write into the working directory, as a reader's program would; the test
 * removes the files.
 */
class ReadmeExampleTest {

    @Test
    void resnetExampleTrainsAStepAndSavesACheckpoint() throws Exception {
        Rng rng = new Rng(0);
        try {
            // snippet:resnet-step
            ResNet net = ResNets.create("resnet20", 100, rng);          // 278,324 parameters, as in PyTorch
            Sgd sgd = new Sgd(net.parameters(), 0.05, 0.9, 0, 5e-4, false);
            Tensor images = Tensor.randn(rng, 64, 3, 32, 32);
            IntTensor labels = IntTensor.of(new int[64]);

            ResNet.Output out = net.forwardAll(images);                 // logits, pooled embedding, stage features
            Tensor loss = Losses.crossEntropy(out.logits(), labels);
            sgd.zeroGrad();
            loss.backward();
            sgd.step();
            Checkpoint.saveModel(Path.of("resnet20.safetensors"), net); // conv1.weight, layer1.0.bn1.running_mean, ...
            // end snippet

            assertThat(net.parameterCount()).isEqualTo(278_324L);
            assertThat(Files.size(Path.of("resnet20.safetensors"))).isGreaterThan(4L * 278_324);
            ResNet loaded = ResNets.create("resnet20", 100, new Rng(1));
            Checkpoint.loadModel(Path.of("resnet20.safetensors"), loaded);
            assertThat(loaded.stateDict().get("conv1.weight").toArray()).containsExactly(
                    net.stateDict().get("conv1.weight").toArray());
        } finally {
            Files.deleteIfExists(Path.of("resnet20.safetensors"));
        }
    }

    @Test
    void trainingLoopExampleRunsEachStepInAScopeAndReusesItsMemory() {
        Rng rng = new Rng(0);
        ResNet net = ResNets.create("resnet8", 10, rng);
        Sgd sgd = new Sgd(net.parameters(), 0.05, 0.9, 0, 5e-4, false);
        Tensor images = Tensor.randn(rng, 16, 3, 32, 32);
        IntTensor labels = IntTensor.of(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5});
        long reusedBefore = HostArrayPool.counts()[0];
        float[] losses = new float[3];
        // snippet:training-loop
        for (int step = 0; step < 3; step++) {
            try (TensorScope scope = TensorScope.open()) {              // the step's tensors die at its end
                Tensor loss = Losses.crossEntropy(net.forward(images), labels);
                sgd.zeroGrad();
                loss.backward();
                sgd.step();
                losses[step] = loss.item();                             // read what you need inside
            }
        }
        // end snippet

        assertThat(HostArrayPool.counts()[0]).as("arrays the later steps took from the pool")
                .isGreaterThan(reusedBefore);
        assertThat(losses[2]).isLessThan(losses[0]);
        assertThat(net.parameters().get(0).grad().toArray()).as("gradients outlive the step").isNotEmpty();
    }

    @Test
    void graphExampleWritesADotFileNamingTheParameters() throws Exception {
        Rng rng = new Rng(0);
        Module model = new dev.panagrad.nn.layers.Linear(3, 2, true, rng);
        Tensor loss = model.forward(Tensor.randn(rng, 4, 3)).pow(2f).mean();
        try {
            // snippet:graph-export
            Files.writeString(Path.of("graph.dot"), GraphExport.toDot(loss, model.namedParameters()));
            // dot -Tsvg graph.dot -o graph.svg
            // end snippet
            assertThat(Files.readString(Path.of("graph.dot"))).startsWith("digraph").contains("weight").contains("bias")
                    .contains("linear");
        } finally {
            Files.deleteIfExists(Path.of("graph.dot"));
        }
    }
}
