package dev.panagrad.bench;

import dev.panagrad.engine.backend.Parallel;
import dev.panagrad.engine.Backends;
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
 * One training step of a CIFAR ResNet on a batch of 32 x 32 colour images with 100 classes, as
 * bench/peer/torch_resnet_cifar.py measures it: zero the gradients, forward, cross-entropy, backward,
 * SGD (momentum 0.9, weight decay 5e-4). Images/s = batch / time.
 *
 * <p>The fork runs with the JVM's default heap. Each step runs in a {@code TensorScope}, so after the
 * first steps it takes its activations and gradients from the pool and allocates about 1 MB of small
 * objects on the heap; G1 no longer grows the heap during the measurement, which is why an earlier
 * version fixed it at 8 GB.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 6, time = 5)
@Measurement(iterations = 5, time = 4)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
    "-XX:+UseG1GC"})
public class ResNetTrainStepBench {
    @Param({"20", "56"})
    public int depth;

    @Param({"64"})
    public int batch;

    private TrainingStep training;

    @Setup(Level.Trial)
    public void setUp() {
        training = new TrainingStep(depth, batch);
        System.out.println("# backend: " + Backends.current().describe() + ", threads: " + Parallel.threads());
    }

    @Benchmark
    public float step() {
        return training.run();
    }
}
