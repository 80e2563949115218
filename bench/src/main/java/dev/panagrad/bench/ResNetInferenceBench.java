package dev.panagrad.bench;

import dev.panagrad.engine.Grad;
import dev.panagrad.engine.backend.Parallel;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.TensorScope;
import dev.panagrad.engine.Backends;
import dev.panagrad.nn.models.ResNet;
import dev.panagrad.nn.models.ResNets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Inference of a CIFAR ResNet (eval mode, no graph) on a batch of 32 x 32 colour images with 100
 * classes, as bench/peer/torch_resnet_cifar.py measures it under {@code torch.no_grad()}.
 * Images/s = batch / time.
 *
 * <p>Warm-up is 30 s: in some JVMs ResNet-56 was still at 140-150 ms a batch after 10 s, and reached
 * 112-118 ms only after 20 s or more.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 10, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
    "-XX:+UseG1GC"})
public class ResNetInferenceBench {
    @Param({"20", "56"})
    public int depth;

    @Param({"64"})
    public int batch;

    private ResNet model;
    private Tensor images;

    @Setup(Level.Trial)
    public void setUp() {
        Rng rng = new Rng(0);
        model = ResNets.create("resnet" + depth, 100, rng);
        model.eval();
        images = Tensor.randn(rng, batch, 3, 32, 32);
        System.out.println("# backend: " + Backends.current().describe() + ", threads: " + Parallel.threads());
    }

    /** The logits' sum, read before the batch's scope gives its tensors back. */
    @Benchmark
    public float infer() {
        try (var ignored = Grad.disabled(); TensorScope batch = TensorScope.open()) {
            return model.forward(images).sum().item();
        }
    }
}
