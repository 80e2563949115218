package dev.panagrad.bench;

import dev.panagrad.engine.backend.simd.GemmKernel;
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
 * The GEMM micro-kernel in place: one register tile (MR x NR, chosen for the machine) over {@code kc}
 * k-steps of packed slivers that stay in L1, on one thread. Flops per call: 2 MR NR kc. Against the
 * machine's peak, 2 FMA pipes x lanes x 2 flops x clock, this says how much of the core the tile reaches
 * before packing, blocking and memory come into it. {@code bench/compare.py} converts it to GFLOPS.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GemmTileBench {
    @Param({"256"})
    public int kc;

    private float[] ap;
    private float[] bp;
    private float[] c;

    @Setup(Level.Trial)
    public void setUp() {
        ap = new float[GemmKernel.tileRows() * kc];
        bp = new float[GemmKernel.panelWidth() * kc];
        c = new float[GemmKernel.tileRows() * GemmKernel.panelWidth()];
        for (int i = 0; i < ap.length; i++) {
            ap[i] = (i % 7) * 0.125f;
        }
        for (int i = 0; i < bp.length; i++) {
            bp[i] = (i % 5) * 0.25f;
        }
        System.out.println("# tile " + GemmKernel.tileRows() + " x " + GemmKernel.panelWidth() + ", flops per call "
                + flopsPerCall(kc));
    }

    /** Flops of one call, for converting the time to GFLOPS. */
    public static long flopsPerCall(int kc) {
        return 2L * GemmKernel.tileRows() * GemmKernel.panelWidth() * kc;
    }

    @Benchmark
    public float[] tile() {
        GemmKernel.tile(kc, ap, bp, c);
        return c;
    }

    /** Multiply-adds per {@link #peak} call: 12 chains x {@value #PEAK_STEPS} steps, each a vector. */
    public static final int PEAK_STEPS = 1024;

    /**
     * The core's multiply-add peak as the JVM reaches it: 12 independent chains of vector multiply-adds
     * on registers, no memory. Enough chains to cover the latency of two pipes (4 cycles x 2 on current
     * x86 cores), few enough to stay in 16 registers. Flops per call: 2 x 12 x lanes x PEAK_STEPS.
     */
    @Benchmark
    public float peak() {
        var s = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
        var m = jdk.incubator.vector.FloatVector.broadcast(s, 0.999999f);
        var b = jdk.incubator.vector.FloatVector.broadcast(s, 1e-7f);
        var a0 = jdk.incubator.vector.FloatVector.broadcast(s, c[0]);
        var a1 = a0.add(1f);
        var a2 = a0.add(2f);
        var a3 = a0.add(3f);
        var a4 = a0.add(4f);
        var a5 = a0.add(5f);
        var a6 = a0.add(6f);
        var a7 = a0.add(7f);
        var a8 = a0.add(8f);
        var a9 = a0.add(9f);
        var a10 = a0.add(10f);
        var a11 = a0.add(11f);
        for (int i = 0; i < PEAK_STEPS; i++) {
            a0 = a0.fma(m, b);
            a1 = a1.fma(m, b);
            a2 = a2.fma(m, b);
            a3 = a3.fma(m, b);
            a4 = a4.fma(m, b);
            a5 = a5.fma(m, b);
            a6 = a6.fma(m, b);
            a7 = a7.fma(m, b);
            a8 = a8.fma(m, b);
            a9 = a9.fma(m, b);
            a10 = a10.fma(m, b);
            a11 = a11.fma(m, b);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11).lane(0);
    }
}
