package dev.panagrad.bench;

import dev.panagrad.engine.backend.simd.GemmKernel;
import dev.panagrad.engine.backend.simd.VectorMachine;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
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
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

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

    /** Vector multiply-adds per chain in one {@link #peak} call. */
    public static final int PEAK_STEPS = 1024;

    /** Independent chains in {@link #peak}: as many as the registers hold, less one for the multiplier. */
    public static int peakChains() {
        return VectorMachine.CURRENT.registers() >= 32 ? 24 : 14;
    }

    /**
     * The core's multiply-add peak as the JVM reaches it: independent chains of vector multiply-adds on
     * registers, no memory. 12 chains reached only half of it at 512 bits on a Zen 5 core, 24 all of it;
     * 16 registers hold 14. Flops per call: 2 x {@link #peakChains} x lanes x {@value #PEAK_STEPS}.
     */
    @Benchmark
    public float peak() {
        return peakChains() == 24 ? peak24() : peak14();
    }

    /** 24 chains, for 32 registers. */
    private float peak24() {
        FloatVector m = FloatVector.broadcast(SPECIES, 0.999999f);
        var a0 = FloatVector.broadcast(SPECIES, c[0]);
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
        var a12 = a0.add(12f);
        var a13 = a0.add(13f);
        var a14 = a0.add(14f);
        var a15 = a0.add(15f);
        var a16 = a0.add(16f);
        var a17 = a0.add(17f);
        var a18 = a0.add(18f);
        var a19 = a0.add(19f);
        var a20 = a0.add(20f);
        var a21 = a0.add(21f);
        var a22 = a0.add(22f);
        var a23 = a0.add(23f);
        for (int i = 0; i < PEAK_STEPS; i++) {
            a0 = m.fma(m, a0);
            a1 = m.fma(m, a1);
            a2 = m.fma(m, a2);
            a3 = m.fma(m, a3);
            a4 = m.fma(m, a4);
            a5 = m.fma(m, a5);
            a6 = m.fma(m, a6);
            a7 = m.fma(m, a7);
            a8 = m.fma(m, a8);
            a9 = m.fma(m, a9);
            a10 = m.fma(m, a10);
            a11 = m.fma(m, a11);
            a12 = m.fma(m, a12);
            a13 = m.fma(m, a13);
            a14 = m.fma(m, a14);
            a15 = m.fma(m, a15);
            a16 = m.fma(m, a16);
            a17 = m.fma(m, a17);
            a18 = m.fma(m, a18);
            a19 = m.fma(m, a19);
            a20 = m.fma(m, a20);
            a21 = m.fma(m, a21);
            a22 = m.fma(m, a22);
            a23 = m.fma(m, a23);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11).add(a12).add(a13).add(a14).add(a15).add(a16).add(a17).add(a18).add(a19).add(a20).add(a21).add(a22).add(a23).lane(0);
    }

    /** 14 chains, for 16 registers. */
    private float peak14() {
        FloatVector m = FloatVector.broadcast(SPECIES, 0.999999f);
        var a0 = FloatVector.broadcast(SPECIES, c[0]);
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
        var a12 = a0.add(12f);
        var a13 = a0.add(13f);
        for (int i = 0; i < PEAK_STEPS; i++) {
            a0 = m.fma(m, a0);
            a1 = m.fma(m, a1);
            a2 = m.fma(m, a2);
            a3 = m.fma(m, a3);
            a4 = m.fma(m, a4);
            a5 = m.fma(m, a5);
            a6 = m.fma(m, a6);
            a7 = m.fma(m, a7);
            a8 = m.fma(m, a8);
            a9 = m.fma(m, a9);
            a10 = m.fma(m, a10);
            a11 = m.fma(m, a11);
            a12 = m.fma(m, a12);
            a13 = m.fma(m, a13);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11).add(a12).add(a13).lane(0);
    }
}
