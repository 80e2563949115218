package dev.panagrad.bench;

import dev.panagrad.engine.backend.Parallel;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.backend.Backend;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Square single-precision GEMM, C = A B with n x n operands, on the current backend ({@code simd}
 * unless {@code -Dpanagrad.backend} says otherwise) and the shared pool's thread count
 * ({@code -Dpanagrad.threads}, default: all cores).
 *
 * <p>Reported as time per product; GFLOPS = 2 n^3 / time. {@code bench/compare.py} converts and puts
 * it beside OpenBLAS through PyTorch.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GemmBench {
    @Param({"256", "512", "1024"})
    public int n;

    private Backend backend;
    private Tensor a;
    private Tensor b;
    private Tensor c;

    @Setup(Level.Trial)
    public void setUp() {
        backend = Backends.current();
        Rng rng = new Rng(1);
        a = Tensor.randn(rng, n, n);
        b = Tensor.randn(rng, n, n);
        c = Tensor.zeros(n, n);
        System.out.println("# backend: " + backend.describe() + ", threads: " + Parallel.threads());
    }

    @Benchmark
    public Tensor sgemm() {
        backend.gemm(false, false, n, n, n, 1f, a.storage(), 0, n, b.storage(), 0, n, 0f, c.storage(), 0, n);
        return c;
    }

    @TearDown(Level.Trial)
    public void check() {
        // A cheap guard that the benchmark computed a product: C[0][0] = A[0,:] . B[:,0].
        double expected = 0;
        for (int p = 0; p < n; p++) {
            expected += (double) a.get(0, p) * b.get(p, 0);
        }
        if (Math.abs(expected - c.get(0, 0)) > 1e-3 * n) {
            throw new IllegalStateException("sgemm: C[0][0] = " + c.get(0, 0) + ", expected " + expected);
        }
    }
}
