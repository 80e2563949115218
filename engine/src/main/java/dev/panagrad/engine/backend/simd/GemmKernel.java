package dev.panagrad.engine.backend.simd;

import dev.panagrad.engine.backend.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision GEMM, {@code C = alpha * op(A) * op(B) + beta * C}, in the Vector API.
 *
 * <p>The structure is the classic one of BLIS and OpenBLAS:
 * <ol>
 *   <li>C is split into one part per thread, along M or N, whichever is larger. Split along M with a
 *       large B, the threads pack each panel of B together and all read it instead of each packing the
 *       whole of B for itself; otherwise each thread packs its own operands;</li>
 *   <li>within a part, op(B) is copied, KC rows x NC columns at a time, into "slivers" NR columns
 *       wide, stored k-major so that the micro-kernel reads each k-step's NR values contiguously;</li>
 *   <li>op(A) is copied, MC rows x KC columns at a time, into slivers MR rows high, also k-major, with
 *       alpha folded in. Packing absorbs the transpose flags, so callers never transpose;</li>
 *   <li>the micro-kernel keeps an MR x NR tile of C in vector registers and, per k-step, broadcasts MR
 *       values of A against NR / lanes vectors of B. The tile is chosen for the machine's vector
 *       registers ({@link RegisterTile}): 6 x 2 vectors with 32 registers, 3 x 3 with 16; MC follows from the
 *       L2 size ({@link VectorMachine}).</li>
 * </ol>
 * Every element of C sums its k-products in the same order whatever the thread count, so results do
 * not depend on how many threads run.
 */
public final class GemmKernel {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int LANES = SPECIES.length();
    /**
     * The register tile, chosen for this machine's registers. Two are written out: 6 x 2 (20 registers
     * under C2's schedule) and 3 x 3 (15), for machines with 32 and 16 vector registers.
     */
    static final RegisterTile TILE = RegisterTile.choose(VectorMachine.CURRENT,
            java.util.List.of(RegisterTile.of(6, 2), RegisterTile.of(3, 3)), System.getProperty("panagrad.gemm.tile"));
    /** Rows of the register tile. */
    static final int MR = TILE.rows();
    /** Columns of the register tile: {@link RegisterTile#vectors} vectors. */
    static final int NR = TILE.vectors() * LANES;
    private static final boolean SIX_BY_TWO = TILE.equals(RegisterTile.of(6, 2));
    /**
     * Depth of one packed block. Deep blocks pay: each MR x NR tile of C is loaded and stored once per
     * block, and A and B are packed fewer times (k-blocks from 128 to 1024 compared in bench/RESULTS.md).
     */
    static final int KC = Integer.getInteger("panagrad.gemm.kc", 1024);
    /** Rows of one packed block of A: MC x KC floats fill about half of the L2 cache, whole slivers. */
    static final int MC = MR * Integer.getInteger("panagrad.gemm.mcSlivers",
            Math.max(1, VectorMachine.CURRENT.l2Bytes() / 2 / (KC * Float.BYTES) / MR));
    /**
     * Floats in one packed panel of B (KC x NC): 4 MB, a fraction of the L3 cache that every core reads
     * it from, whatever the tile's width. A panel at least as wide as C packs A only once.
     */
    private static final int PANEL_FLOATS = 1 << 20;
    /** Columns of one packed panel of B. */
    static final int NC = NR * Integer.getInteger("panagrad.gemm.ncSlivers",
            Math.max(1, Math.round((float) PANEL_FLOATS / KC / NR)));
    /**
     * From this many floats of B on, threads that split C's rows share one packing of B. Below it, the
     * extra parallel loop for packing is not repaid (measured: bench/RESULTS.md).
     */
    private static final long SHARED_PANEL_FLOATS = 1 << 19;
    /** Below this many flops, threads cost more than they save. */
    private static final double PARALLEL_FLOPS = 2e6;

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    private GemmKernel() {
    }

    /**
     * Writes a block of op(B) in the packed layout the micro-kernel reads: rows {@code [p0, p0 + kc)}
     * and columns {@code [j0, j0 + nr)} ({@code nr <= NR}) go to {@code dst[offset + (p - p0) * NR + (j - j0)]},
     * with columns {@code nr..NR-1} zero. Lets callers such as convolution produce B on the fly
     * instead of materialising it first.
     */
    @FunctionalInterface
    public interface PanelPacker {
        void pack(int p0, int kc, int j0, int nr, float[] dst, int offset);
    }

    /** The tile and blocking in use, for the backend's description. */
    public static String describe() {
        return "GEMM tile " + MR + " x " + NR + " (" + TILE + " vectors), KC " + KC + ", MC " + MC + ", NC " + NC;
    }

    /**
     * One call of the micro-kernel on packed slivers: {@code c[0:MR, 0:NR] = ap . bp} with {@code kc}
     * k-steps, {@code ap} k-major MR rows, {@code bp} k-major NR columns, c row-major with leading
     * dimension NR. For measuring the register tile in place, with its operands in cache.
     */
    public static void tile(int kc, float[] ap, float[] bp, float[] c) {
        micro(kc, ap, 0, bp, 0, c, 0, NR, false);
    }

    /** Register-tile height: rows of A per micro-kernel call. */
    public static int tileRows() {
        return MR;
    }

    /** Register-tile width: packers fill slivers this many columns wide. */
    public static int panelWidth() {
        return NR;
    }

    public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc) {
        gemm(transA, m, n, k, alpha, a, aOff, lda,
                (p0, kc, j0, nr, dst, off) -> packB(transB, b, bOff, ldb, p0, kc, j0, nr, dst, off),
                beta, c, cOff, ldc);
    }

    /** {@code C = alpha op(A) B + beta C} with B supplied, block by block, by {@code packer}. */
    public static void gemm(boolean transA, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                            PanelPacker packer, float beta, float[] c, int cOff, int ldc) {
        if (m <= 0 || n <= 0) {
            return;
        }
        if (k <= 0 || alpha == 0f) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        int threads = Parallel.threads();
        if (threads == 1 || Parallel.inWorker() || 2.0 * m * n * k < PARALLEL_FLOPS) {
            blocked(1, transA, m, n, 0, k, alpha, a, aOff, lda, packer, beta, c, cOff, ldc);
            return;
        }
        boolean splitM = ceilDiv(m, MR) >= ceilDiv(n, NR);
        int units = splitM ? ceilDiv(m, MR) : ceilDiv(n, NR);
        int unit = splitM ? MR : NR;
        int parts = Math.min(threads, units);
        if (splitM && (long) n * k >= SHARED_PANEL_FLOATS) {
            blocked(parts, transA, m, n, 0, k, alpha, a, aOff, lda, packer, beta, c, cOff, ldc);
            return;
        }
        Parallel.forEach(parts, (p0, p1) -> {
            for (int part = p0; part < p1; part++) {
                int from = (int) ((long) units * part / parts) * unit;
                int to = Math.min(splitM ? m : n, (int) ((long) units * (part + 1) / parts) * unit);
                if (splitM) {
                    blocked(1, transA, to - from, n, 0, k, alpha, a, aOff + (transA ? from : from * lda), lda,
                            packer, beta, c, cOff + from * ldc, ldc);
                } else {
                    blocked(1, transA, m, to - from, from, k, alpha, a, aOff, lda, packer, beta, c, cOff + from,
                            ldc);
                }
            }
        });
    }

    /**
     * The blocked algorithm for the columns {@code [jBase, jBase + n)} of B (C's columns start at
     * {@code cOff}), with C's rows split into {@code parts} that share each packed panel of B. With more
     * than one part, the threads pack the panel's slivers side by side, then each multiplies its own rows
     * by the whole panel: B is read and packed once instead of once per thread. One part runs on the
     * calling thread with its own packing buffers.
     */
    private static void blocked(int parts, boolean transA, int m, int n, int jBase, int k, float alpha, float[] a,
                                int aOff, int lda, PanelPacker packer, float beta, float[] c, int cOff, int ldc) {
        Workspace caller = WORKSPACE.get();
        int units = ceilDiv(m, MR);
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            int nSlivers = ceilDiv(nc, NR);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                float[] bp = caller.packedB(nSlivers * NR * kc);
                int j0 = jc;
                int p0 = pc;
                Parallel.Range pack = (s0, s1) -> {
                    for (int s = s0; s < s1; s++) {
                        packer.pack(p0, kc, jBase + j0 + s * NR, Math.min(NR, n - j0 - s * NR), bp, s * NR * kc);
                    }
                };
                if (parts == 1) {
                    pack.run(0, nSlivers);
                    block(transA, m, nc, p0, kc, alpha, a, aOff, lda, bp, beta, c, cOff + j0, ldc, caller);
                    continue;
                }
                Parallel.forRange(nSlivers, 1, pack);
                Parallel.forEach(parts, (q0, q1) -> {
                    Workspace ws = WORKSPACE.get();
                    for (int part = q0; part < q1; part++) {
                        int from = (int) ((long) units * part / parts) * MR;
                        int to = Math.min(m, (int) ((long) units * (part + 1) / parts) * MR);
                        block(transA, to - from, nc, p0, kc, alpha, a, aOff + (transA ? from : from * lda), lda, bp,
                                beta, c, cOff + from * ldc + j0, ldc, ws);
                    }
                });
            }
        }
    }

    /**
     * C[0:m, 0:nc] (+)= alpha op(A)[0:m, pc:pc+kc] times the packed panel {@code bp}; the first k-block
     * ({@code pc == 0}) applies beta, later ones add to what earlier ones wrote. A is packed into
     * {@code ws}, MC rows at a time.
     */
    private static void block(boolean transA, int m, int nc, int pc, int kc, float alpha, float[] a, int aOff,
                              int lda, float[] bp, float beta, float[] c, int cOff, int ldc, Workspace ws) {
        boolean accumulate = pc > 0 || beta != 0f;
        if (pc == 0 && beta != 0f && beta != 1f) {
            scale(m, nc, beta, c, cOff, ldc);
        }
        int nSlivers = ceilDiv(nc, NR);
        float[] edge = ws.edge;
        for (int ic = 0; ic < m; ic += MC) {
            int mc = Math.min(MC, m - ic);
            int mSlivers = ceilDiv(mc, MR);
            float[] ap = ws.packedA(mSlivers * MR * kc);
            for (int s = 0; s < mSlivers; s++) {
                packA(transA, a, aOff, lda, alpha, ic + s * MR, Math.min(MR, m - ic - s * MR), pc, kc, ap, s * MR * kc);
            }
            for (int ns = 0; ns < nSlivers; ns++) {
                int nr = Math.min(NR, nc - ns * NR);
                for (int ms = 0; ms < mSlivers; ms++) {
                    int mr = Math.min(MR, mc - ms * MR);
                    int ci = cOff + (ic + ms * MR) * ldc + ns * NR;
                    if (mr == MR && nr == NR) {
                        micro(kc, ap, ms * MR * kc, bp, ns * NR * kc, c, ci, ldc, accumulate);
                    } else {
                        micro(kc, ap, ms * MR * kc, bp, ns * NR * kc, edge, 0, NR, false);
                        for (int r = 0; r < mr; r++) {
                            for (int j = 0; j < nr; j++) {
                                int o = ci + r * ldc + j;
                                c[o] = accumulate ? c[o] + edge[r * NR + j] : edge[r * NR + j];
                            }
                        }
                    }
                }
            }
        }
    }

    /** The MR x NR register tile: C[0:MR, 0:NR] = A-sliver * B-sliver, plus C if {@code accumulate}. */
    private static void micro(int kc, float[] ap, int ai, float[] bp, int bi, float[] c, int ci, int ldc,
                              boolean accumulate) {
        if (SIX_BY_TWO) {
            micro6x2(kc, ap, ai, bp, bi, c, ci, ldc, accumulate);
        } else {
            micro3x3(kc, ap, ai, bp, bi, c, ci, ldc, accumulate);
        }
    }

    /**
     * The 6 x 2 tile: per k-step, two vectors of B and six broadcasts of A feed 12 multiply-adds into 12
     * accumulators. Needs 20 vector registers: AVX-512, NEON.
     */
    private static void micro6x2(int kc, float[] ap, int ai, float[] bp, int bi, float[] c, int ci, int ldc,
                                 boolean accumulate) {
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = FloatVector.zero(SPECIES);
        FloatVector c10 = FloatVector.zero(SPECIES), c11 = FloatVector.zero(SPECIES);
        FloatVector c20 = FloatVector.zero(SPECIES), c21 = FloatVector.zero(SPECIES);
        FloatVector c30 = FloatVector.zero(SPECIES), c31 = FloatVector.zero(SPECIES);
        FloatVector c40 = FloatVector.zero(SPECIES), c41 = FloatVector.zero(SPECIES);
        FloatVector c50 = FloatVector.zero(SPECIES), c51 = FloatVector.zero(SPECIES);
        for (int p = 0; p < kc; p++, ai += 6, bi += 2 * LANES) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bi + LANES);
            FloatVector av = FloatVector.broadcast(SPECIES, ap[ai]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(SPECIES, ap[ai + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(SPECIES, ap[ai + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(SPECIES, ap[ai + 3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(SPECIES, ap[ai + 4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(SPECIES, ap[ai + 5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
        }
        // Written out rather than through a helper: a call that C2 declines to inline would box the vectors.
        if (accumulate) {
            c00 = c00.add(FloatVector.fromArray(SPECIES, c, ci));
            c01 = c01.add(FloatVector.fromArray(SPECIES, c, ci + LANES));
            c10 = c10.add(FloatVector.fromArray(SPECIES, c, ci + ldc));
            c11 = c11.add(FloatVector.fromArray(SPECIES, c, ci + ldc + LANES));
            c20 = c20.add(FloatVector.fromArray(SPECIES, c, ci + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(SPECIES, c, ci + 2 * ldc + LANES));
            c30 = c30.add(FloatVector.fromArray(SPECIES, c, ci + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(SPECIES, c, ci + 3 * ldc + LANES));
            c40 = c40.add(FloatVector.fromArray(SPECIES, c, ci + 4 * ldc));
            c41 = c41.add(FloatVector.fromArray(SPECIES, c, ci + 4 * ldc + LANES));
            c50 = c50.add(FloatVector.fromArray(SPECIES, c, ci + 5 * ldc));
            c51 = c51.add(FloatVector.fromArray(SPECIES, c, ci + 5 * ldc + LANES));
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + LANES);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + LANES);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + LANES);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + LANES);
        c40.intoArray(c, ci + 4 * ldc);
        c41.intoArray(c, ci + 4 * ldc + LANES);
        c50.intoArray(c, ci + 5 * ldc);
        c51.intoArray(c, ci + 5 * ldc + LANES);
    }

    /**
     * The 3 x 3 tile: per k-step, three vectors of B and three broadcasts of A feed 9 multiply-adds into 9
     * accumulators. Needs 15 vector registers: AVX2 has 16, where the 6 x 2 tile spills an accumulator to
     * the stack and runs at half speed.
     */
    private static void micro3x3(int kc, float[] ap, int ai, float[] bp, int bi, float[] c, int ci, int ldc,
                                 boolean accumulate) {
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = FloatVector.zero(SPECIES), c02 = FloatVector.zero(SPECIES);
        FloatVector c10 = FloatVector.zero(SPECIES), c11 = FloatVector.zero(SPECIES), c12 = FloatVector.zero(SPECIES);
        FloatVector c20 = FloatVector.zero(SPECIES), c21 = FloatVector.zero(SPECIES), c22 = FloatVector.zero(SPECIES);
        // The loop counts A's index and finds B's from it with one multiply-add (B's sliver is LANES times
        // wider per k-step): counting k, C2 rebuilt both indices from it every step, nine integer
        // instructions beside the 15 vector ones instead of four (bench/RESULTS.md).
        int bFromA = bi - ai * LANES;
        for (int a = ai, end = ai + 3 * kc; a < end; a += 3) {
            int b = bFromA + a * LANES;
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, b);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, b + LANES);
            FloatVector b2 = FloatVector.fromArray(SPECIES, bp, b + 2 * LANES);
            FloatVector av = FloatVector.broadcast(SPECIES, ap[a]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            c02 = av.fma(b2, c02);
            av = FloatVector.broadcast(SPECIES, ap[a + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            c12 = av.fma(b2, c12);
            av = FloatVector.broadcast(SPECIES, ap[a + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            c22 = av.fma(b2, c22);
        }
        if (accumulate) {
            c00 = c00.add(FloatVector.fromArray(SPECIES, c, ci));
            c01 = c01.add(FloatVector.fromArray(SPECIES, c, ci + LANES));
            c02 = c02.add(FloatVector.fromArray(SPECIES, c, ci + 2 * LANES));
            c10 = c10.add(FloatVector.fromArray(SPECIES, c, ci + ldc));
            c11 = c11.add(FloatVector.fromArray(SPECIES, c, ci + ldc + LANES));
            c12 = c12.add(FloatVector.fromArray(SPECIES, c, ci + ldc + 2 * LANES));
            c20 = c20.add(FloatVector.fromArray(SPECIES, c, ci + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(SPECIES, c, ci + 2 * ldc + LANES));
            c22 = c22.add(FloatVector.fromArray(SPECIES, c, ci + 2 * ldc + 2 * LANES));
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + LANES);
        c02.intoArray(c, ci + 2 * LANES);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + LANES);
        c12.intoArray(c, ci + ldc + 2 * LANES);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + LANES);
        c22.intoArray(c, ci + 2 * ldc + 2 * LANES);
    }

    /** Packs rows [i0, i0 + mr) x columns [p0, p0 + kc) of alpha * op(A), zero-padding to MR rows. */
    private static void packA(boolean trans, float[] a, int aOff, int lda, float alpha, int i0, int mr,
                              int p0, int kc, float[] ap, int base) {
        if (mr < MR) {
            java.util.Arrays.fill(ap, base, base + MR * kc, 0f);
        }
        if (trans) {
            for (int p = 0; p < kc; p++) {
                int src = aOff + (p0 + p) * lda + i0;
                int dst = base + p * MR;
                for (int r = 0; r < mr; r++) {
                    ap[dst + r] = alpha * a[src + r];
                }
            }
        } else {
            for (int r = 0; r < mr; r++) {
                int src = aOff + (i0 + r) * lda + p0;
                int dst = base + r;
                for (int p = 0; p < kc; p++) {
                    ap[dst + p * MR] = alpha * a[src + p];
                }
            }
        }
    }

    /** Packs rows [p0, p0 + kc) x columns [j0, j0 + nr) of op(B), zero-padding to NR columns. */
    private static void packB(boolean trans, float[] b, int bOff, int ldb, int p0, int kc, int j0, int nr,
                              float[] bp, int base) {
        if (trans) {
            if (nr < NR) {
                java.util.Arrays.fill(bp, base, base + NR * kc, 0f);
            }
            for (int j = 0; j < nr; j++) {
                int src = bOff + (j0 + j) * ldb + p0;
                int dst = base + j;
                for (int p = 0; p < kc; p++) {
                    bp[dst + p * NR] = b[src + p];
                }
            }
        } else if (nr == NR) {
            for (int p = 0; p < kc; p++) {
                int src = bOff + (p0 + p) * ldb + j0;
                int dst = base + p * NR;
                for (int v = 0; v < NR; v += LANES) {
                    FloatVector.fromArray(SPECIES, b, src + v).intoArray(bp, dst + v);
                }
            }
        } else {
            for (int p = 0; p < kc; p++) {
                int src = bOff + (p0 + p) * ldb + j0;
                int dst = base + p * NR;
                System.arraycopy(b, src, bp, dst, nr);
                java.util.Arrays.fill(bp, dst + nr, dst + NR, 0f);
            }
        }
    }

    /** C = beta * C, for k = 0 or alpha = 0; with beta = 0, C is overwritten with zeros. */
    private static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                c[row + j] = beta == 0f ? 0f : beta * c[row + j];
            }
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** Packing buffers of the thread that calls gemm, grown on demand and reused across calls. */
    private static final class Workspace {
        private float[] a = new float[0];
        private float[] b = new float[0];
        private final float[] edge = new float[MR * NR];

        float[] packedA(int size) {
            if (a.length < size) {
                a = new float[size];
            }
            return a;
        }

        float[] packedB(int size) {
            if (b.length < size) {
                b = new float[size];
            }
            return b;
        }
    }
}
