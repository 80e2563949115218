package dev.panagrad.bench;

import dev.panagrad.nn.data.DataLoader;
import dev.panagrad.nn.data.DatasetSplit;
import dev.panagrad.nn.data.GeneratedImages;
import dev.panagrad.nn.data.RandomBatchSampler;
import dev.panagrad.nn.data.Transform;
import java.util.Iterator;
import java.util.List;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Data loading as training sees it: 32 x 32 colour images, batches of 64, the CIFAR augmentation
 * (random crop with 4-pixel zero padding, horizontal flip, per-channel normalisation), built by
 * {@code workers} background threads (0: on the consuming thread). Images/s = 64 / time per batch.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseG1GC"})
public class LoaderBench {
    @Param({"0", "1", "2"})
    public int workers;

    private DataLoader loader;
    private Iterator<DataLoader.Batch> batches;
    private int epoch;

    @Setup(Level.Trial)
    public void setUp() {
        DatasetSplit data = GeneratedImages.split(10_000, 10, 100, 20, 3, 32, 1);
        Transform augment = Transform.compose(List.of(Transform.randomCrop(4), Transform.horizontalFlip(0.5f),
                Transform.normalize(new float[] {0.5071f, 0.4867f, 0.4408f}, new float[] {0.2675f, 0.2565f, 0.2761f})));
        loader = new DataLoader(data.train(), new RandomBatchSampler(10_000, 64, true, true, 1), augment, workers, 4, 1);
        batches = loader.epoch(epoch).iterator();
    }

    @Benchmark
    public DataLoader.Batch nextBatch() {
        if (!batches.hasNext()) {
            batches = loader.epoch(++epoch).iterator();
        }
        return batches.next();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        loader.close();
    }
}
