package dev.panagrad.bench;

import dev.panagrad.engine.backend.Parallel;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.Backends;
import dev.panagrad.engine.ops.BatchNormalization;
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
 * Training-mode batch normalisation of the three ResNet-20 activation shapes at batch 64, forward (batch
 * statistics, running-statistics update, normalise and affine) and forward plus backward (input, gamma and
 * beta gradients), through the differentiable op as a layer calls it.
 *
 * <p>Ten seconds of warm-up: on [64, 64, 8, 8] the JIT was still recompiling after four (single
 * iterations of 3300 us against a steady 130), which made the result ±500-700%.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 10, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
    "-XX:+UseG1GC"})
public class BatchNormBench {
    /** channels x size: [64, 16, 32, 32], [64, 32, 16, 16], [64, 64, 8, 8]. */
    @Param({"16x32", "32x16", "64x8"})
    public String shape;

    private Tensor x;
    private Tensor gamma;
    private Tensor beta;
    private Tensor runningMean;
    private Tensor runningVar;
    private Tensor gy;

    @Setup(Level.Trial)
    public void setUp() {
        String[] p = shape.split("x");
        int c = Integer.parseInt(p[0]);
        int s = Integer.parseInt(p[1]);
        Rng rng = new Rng(1);
        x = Tensor.randn(rng, 64, c, s, s).requiresGrad(true);
        gamma = Tensor.ones(c).requiresGrad(true);
        beta = Tensor.zeros(c).requiresGrad(true);
        runningMean = Tensor.zeros(c);
        runningVar = Tensor.ones(c);
        gy = Tensor.randn(rng, 64, c, s, s);
        System.out.println("# backend: " + Backends.current().describe() + ", threads: " + Parallel.threads());
    }

    @Benchmark
    public Tensor forward() {
        try (var ignored = dev.panagrad.engine.Grad.disabled()) {
            return BatchNormalization.batchNorm(x, runningMean, runningVar, gamma, beta, true, 0.1f, 1e-5f);
        }
    }

    @Benchmark
    public Tensor forwardBackward() {
        x.zeroGrad();
        gamma.zeroGrad();
        beta.zeroGrad();
        Tensor y = BatchNormalization.batchNorm(x, runningMean, runningVar, gamma, beta, true, 0.1f, 1e-5f);
        y.backward(gy);
        return x.grad();
    }
}
