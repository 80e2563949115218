package dev.panagrad.nn.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.panagrad.engine.Grad;
import dev.panagrad.engine.IntTensor;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Shape;
import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.io.Checkpoint;
import dev.panagrad.nn.loss.Losses;
import dev.panagrad.nn.optim.Sgd;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import dev.panagrad.engine.testing.TensorAssertions;
import dev.panagrad.engine.testing.PyTorchFixture;

class ResNetTest {
    private static final PyTorchFixture TORCH = PyTorchFixture.resource("/fixtures/torch_reference.json");

    private final Rng rng = new Rng(8);

    @Test
    void everyZooModelHasPyTorchsParameterCount() {
        for (String name : ResNets.names()) {
            int classes = (int) TORCH.number("parameter_counts", name, "classes");
            long expected = (long) TORCH.number("parameter_counts", name, "parameters");
            assertThat(ResNets.create(name, classes, rng).parameterCount()).as(name).isEqualTo(expected);
        }
    }

    @Test
    void countsWrittenOutForReaders() {
        // The same numbers as the fixture, spelled out: torchvision's resnet18/resnet50, and the CIFAR
        // models of the common distillation benchmark with 100 classes.
        assertThat(ResNets.create("resnet18", 1000, rng).parameterCount()).isEqualTo(11_689_512L);
        assertThat(ResNets.create("resnet50", 1000, rng).parameterCount()).isEqualTo(25_557_032L);
        assertThat(ResNets.create("resnet20", 100, rng).parameterCount()).isEqualTo(278_324L);
        assertThat(ResNets.create("resnet56", 100, rng).parameterCount()).isEqualTo(861_620L);
        assertThat(ResNets.create("resnet8x4", 100, rng).parameterCount()).isEqualTo(1_233_540L);
        assertThat(ResNets.create("resnet32x4", 100, rng).parameterCount()).isEqualTo(7_433_860L);
    }

    @Test
    void stateDictKeysAreExactlyPyTorchs() {
        for (String name : new String[] {"resnet20", "resnet8x4", "resnet50"}) {
            List<?> expected = (List<?>) TORCH.get("state_dict_keys", name);
            assertThat(List.copyOf(ResNets.create(name, 10, rng).stateDict().keys())).as(name).isEqualTo(expected);
        }
    }

    @Test
    void oneForwardGivesLogitsEmbeddingAndStageFeatures() {
        ResNet net = ResNets.create("resnet20", 100, rng);
        ResNet.Output out = net.forwardAll(Tensor.randn(rng, 2, 3, 32, 32));
        assertThat(out.logits().shape()).isEqualTo(Shape.of(2, 100));
        assertThat(out.embedding().shape()).isEqualTo(Shape.of(2, 64));
        assertThat(out.stages()).extracting(Tensor::shape)
                .containsExactly(Shape.of(2, 16, 32, 32), Shape.of(2, 32, 16, 16), Shape.of(2, 64, 8, 8));
        assertThat(net.embeddingSize()).isEqualTo(64);
    }

    @Test
    void inferenceWithAutogradOffGivesTheSameLogitsAsEvaluationWithAutogradOn() {
        // With autograd off, blocks normalise their convolution outputs in place; the numbers must not change.
        for (String name : List.of("resnet8", "resnet50")) {
            ResNet net = ResNets.create(name, 10, rng);
            Tensor images = Tensor.randn(rng, 2, 3, 32, 32);
            net.forward(images); // training mode: running statistics move away from 0 and 1
            net.eval();
            float[] withGraph = net.forward(images).toArray();
            try (var ignored = Grad.disabled()) {
                assertThat(net.forward(images).toArray()).as(name).containsExactly(withGraph);
            }
        }
    }

    @Test
    void greyImagesAndImageNetStems() {
        ResNet net = ResNets.create("resnet18", 10, 1, rng);
        ResNet.Output out = net.forwardAll(Tensor.randn(rng, 2, 1, 64, 64));
        assertThat(out.logits().shape()).isEqualTo(Shape.of(2, 10));
        assertThat(out.stages()).extracting(Tensor::shape).containsExactly(Shape.of(2, 64, 16, 16),
                Shape.of(2, 128, 8, 8), Shape.of(2, 256, 4, 4), Shape.of(2, 512, 2, 2));
    }

    @Test
    void unknownNamesListTheZoo() {
        assertThatThrownBy(() -> ResNets.create("resnet7", 10, rng)).hasMessageStartingWith("ResNets: unknown model 'resnet7'; known: [resnet8,");
    }

    @Test
    void aModelExportedFromPyTorchGivesPyTorchsLogits() throws Exception {
        ResNet net = ResNets.create("resnet8", 10, rng);
        Path file = Path.of(ResNetTest.class.getResource("/fixtures/resnet8_torch.safetensors").toURI());
        Checkpoint.loadModel(file, net);
        net.eval();
        Tensor logits;
        try (var ignored = Grad.disabled()) {
            logits = net.forward(TORCH.tensor("resnet8_eval", "x"));
        }
        TensorAssertions.assertClose("resnet8 logits", logits, TORCH.tensor("resnet8_eval", "logits"), 1e-4);
    }

    @Test
    void resnet20MemorisesOneBatchOfGeneratedImages() {
        Rng data = new Rng(99);
        int n = 64;
        Tensor images = Tensor.randn(data, n, 3, 32, 32);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = data.nextInt(10);
        }
        IntTensor y = IntTensor.of(labels);
        ResNet net = ResNets.create("resnet20", 10, new Rng(1));
        Sgd opt = new Sgd(net.parameters(), 0.05, 0.9, 0, 0, false);
        int steps = 0;
        float accuracy = 0f;
        while (steps < 60 && accuracy < 1f) {
            Tensor logits = net.forward(images);
            Tensor loss = Losses.crossEntropy(logits, y);
            opt.zeroGrad();
            loss.backward();
            opt.step();
            steps++;
            accuracy = accuracy(logits, labels);
        }
        assertThat(accuracy).as("training accuracy after %d steps", steps).isEqualTo(1f);
    }

    private static float accuracy(Tensor logits, int[] labels) {
        float[] v = logits.toArray();
        int classes = logits.size(1);
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (v[i * classes + c] > v[i * classes + best]) {
                    best = c;
                }
            }
            correct += best == labels[i] ? 1 : 0;
        }
        return correct / (float) labels.length;
    }
}
