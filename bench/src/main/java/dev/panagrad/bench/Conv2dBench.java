package dev.panagrad.bench;

import dev.panagrad.engine.backend.Parallel;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.Backends;
import dev.panagrad.engine.backend.ConvGeometry;
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
 * Each convolution of a CIFAR ResNet-20 at batch 64 (shapes in {@link ResNet20Convolutions}): the forward
 * pass, the input gradient and the weight gradient, each a backend kernel call. GFLOPS = 2 N Cout Hout Wout
 * Cin kH kW / time for every pass; bench/compare.py puts them beside PyTorch's (oneDNN) convolutions.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
    "-XX:+UseG1GC"})
public class Conv2dBench {
    @Param({"c3-16-32s1", "c16-16-32s1", "c16-32-32s2", "p16-32-32s2", "c32-32-16s1", "c32-64-16s2", "p32-64-16s2",
        "c64-64-8s1"})
    public String shape;

    @Param({"64"})
    public int batch;

    private Backend backend;
    private ConvGeometry g;
    private Tensor x;
    private Tensor w;
    private Tensor y;
    private Tensor gy;
    private Tensor gx;
    private Tensor gw;

    @Setup(Level.Trial)
    public void setUp() {
        backend = Backends.current();
        g = ResNet20Convolutions.geometry(shape, batch);
        Rng rng = new Rng(1);
        x = Tensor.randn(rng, g.batch(), g.inChannels(), g.inH(), g.inW());
        w = Tensor.randn(rng, g.outChannels(), g.inChannels(), g.kernelH(), g.kernelW());
        y = Tensor.zeros(g.batch(), g.outChannels(), g.outH(), g.outW());
        gy = Tensor.randn(rng, g.batch(), g.outChannels(), g.outH(), g.outW());
        gx = Tensor.zeros(x.shape());
        gw = Tensor.zeros(w.shape());
        System.out.println("# backend: " + backend.describe() + ", threads: " + Parallel.threads());
    }

    @Benchmark
    public Tensor forward() {
        backend.conv2d(g, x.storage(), w.storage(), null, y.storage());
        return y;
    }

    @Benchmark
    public Tensor backwardInput() {
        backend.conv2dBackwardInput(g, gy.storage(), w.storage(), gx.storage());
        return gx;
    }

    @Benchmark
    public Tensor backwardWeight() {
        backend.conv2dBackwardWeight(g, x.storage(), gy.storage(), gw.storage(), null);
        return gw;
    }
}
