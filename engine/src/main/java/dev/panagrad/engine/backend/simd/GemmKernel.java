package dev.panagrad.engine.backend.simd;

import dev.panagrad.engine.backend.Parallel;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
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
 *       values of A against NR / lanes vectors of B. The tiles are chosen for the machine's vector
 *       registers ({@link #TILES}): 6 x 2 vectors with 32 registers; 5 x 2 and 3 x 3 with 16, each product
 *       taking the one that pads it least ({@link #tileFor}). MC follows from the L2 size
 *       ({@link VectorMachine}) and the reach of the data TLB ({@link #blockRows}).</li>
 * </ol>
 * Every element of C sums its k-products in the same order whatever the thread count, so results do
 * not depend on how many threads run.
 */
public final class GemmKernel {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int LANES = SPECIES.length();
    /** The register tiles written out: {@link #micro6x2}, {@link #micro5x2} and {@link #micro3x3}. */
    static final List<RegisterTile> WRITTEN = List.of(RegisterTile.of(6, 2), RegisterTile.of(5, 2), RegisterTile.of(3, 3));
    /**
     * The tiles this machine's products choose from ({@link #tileFor}), the one for large products first;
     * {@code -Dpanagrad.gemm.tile=RxV} leaves only that one.
     */
    static final List<RegisterTile> TILES = tiles(VectorMachine.CURRENT, System.getProperty("panagrad.gemm.tile"));
    /** The tile of large products: the one {@link #describe}, {@link #tile} and the benchmarks speak of. */
    static final RegisterTile TILE = TILES.get(0);
    /** Rows of {@link #TILE}. */
    static final int MR = TILE.rows();
    /** Columns of {@link #TILE}: {@link RegisterTile#vectors} vectors. */
    static final int NR = sliverColumns(TILE);
    /**
     * Depth of one packed block. Deep blocks pay: each MR x NR tile of C is loaded and stored once per
     * block, and A and B are packed fewer times (k-blocks from 128 to 1024 compared in bench/RESULTS.md).
     */
    static final int KC = Integer.getInteger("panagrad.gemm.kc", 1024);
    /** Slivers per block of A and per panel of B where set ({@code -Dpanagrad.gemm.mcSlivers}, {@code ncSlivers}). */
    private static final Integer MC_SLIVERS = Integer.getInteger("panagrad.gemm.mcSlivers");
    private static final Integer NC_SLIVERS = Integer.getInteger("panagrad.gemm.ncSlivers");
    /**
     * Entries of the first-level data TLB, assumed: 64 on Intel cores since Haswell and on AMD Zen 1 to 3,
     * 72 on Zen 4, 96 on Zen 5, 48 on Arm's Neoverse N1. The OS does not tell; the smallest common count
     * keeps a block within reach everywhere.
     */
    static final int TLB_ENTRIES = 64;
    /** Bytes of a page: 4 KB, the base page of x86 and of most ARM Linux kernels. */
    static final int PAGE_BYTES = 4096;
    /** The fewest slivers in a block of A: see {@link #blockRows}. */
    static final int MIN_BLOCK_SLIVERS = 4;
    /** Rows of one packed block of A for {@link #TILE} at depth KC: see {@link #blockRows}. */
    static final int MC = blockRows(TILE, KC);
    /**
     * Floats in one packed panel of B (KC x NC): 4 MB, a fraction of the L3 cache that every core reads
     * it from, whatever the tile's width. A panel at least as wide as C packs A only once.
     */
    private static final int PANEL_FLOATS = 1 << 20;
    /** Columns of one packed panel of B for {@link #TILE}: see {@link #panelColumns}. */
    static final int NC = panelColumns(NR);
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
     * The tiles offered on {@code machine}. With 32 registers, 6 x 2: twelve accumulators and the most
     * multiply-adds per value read. With 16, 6 x 2 does not fit, and two are offered: 5 x 2, ten
     * accumulators, enough independent chains to hide the multiply-add latency where nine are not (on a
     * Zen 5 restricted to AVX2, nine chains reach 0.95 of the peak and ten all of it), and 3 x 3, nine
     * accumulators in 24 columns, which pads less where C has 16 or 32 rows (convolutions' channels).
     * {@link RegisterTile} counts 17 registers for 5 x 2, as if all five broadcasts were live at once;
     * {@link #micro5x2} is written so that C2 holds two (14 registers, read from its code at UseAVX=2:
     * bench/RESULTS.md).
     */
    static List<RegisterTile> tiles(VectorMachine machine, String forced) {
        if (forced != null) {
            return List.of(RegisterTile.choose(machine, WRITTEN, forced));
        }
        RegisterTile widest = RegisterTile.choose(machine, List.of(RegisterTile.of(6, 2), RegisterTile.of(3, 3)), null);
        boolean fiveByTwoFits = machine.registers() >= 16;
        return widest.equals(RegisterTile.of(3, 3)) && fiveByTwoFits ? List.of(RegisterTile.of(5, 2), widest)
                : List.of(widest);
    }

    /**
     * The tile for an m x n product: of {@code tiles}, the one that computes the fewest padded entries of C
     * (m and n rounded up to whole tiles of {@code lanes}-float vectors); on a tie, the earlier one.
     */
    static RegisterTile tileFor(List<RegisterTile> tiles, int lanes, int m, int n) {
        return tiles.stream().min(Comparator.comparingLong(
                t -> (long) ceilDiv(m, t.rows()) * t.rows() * ceilDiv(n, t.vectors() * lanes) * t.vectors() * lanes))
                .orElseThrow();
    }

    /** Columns of the tile's slivers of B (and of its tiles of C): its vectors of this machine's lanes. */
    static int sliverColumns(RegisterTile tile) {
        return tile.vectors() * LANES;
    }

    /**
     * Rows of one packed block of A at depth {@code kc}, in whole slivers of the tile, under two limits
     * (Goto and van de Geijn, "Anatomy of high-performance matrix multiplication", 2008):
     * <ul>
     *   <li>the block fills at most half of the L2 cache, so that it stays there while B's slivers pass;</li>
     *   <li>one pass of a B sliver over the block touches the block's pages, the sliver's, and a page per
     *       row of C (in large products C's rows lie a page or more apart); all of them stay within the
     *       first-level TLB's {@link #TLB_ENTRIES} pages. Past that, the micro-kernel misses the TLB on
     *       every page of A it streams.</li>
     * </ul>
     * Whatever the limits, a block holds at least {@link #MIN_BLOCK_SLIVERS} slivers: each B sliver comes
     * from L3 for the block's first sliver of A and from L2 for the others, and fewer than four do not
     * repay that (measured on a convolution's batched weight gradient, 64 x 576 x 4096: bench/RESULTS.md).
     * At depth 1024 the TLB binds: 4 slivers of 5 rows at AVX2 (a B sliver of 16 pages); at AVX-512 (32
     * pages) it would leave 2 slivers of 6 rows, and the floor gives 4.
     */
    static int blockRows(RegisterTile tile, int kc) {
        return MC_SLIVERS != null ? tile.rows() * MC_SLIVERS
                : blockRows(tile.rows(), sliverColumns(tile), kc, VectorMachine.CURRENT.l2Bytes());
    }

    /** {@link #blockRows(RegisterTile, int)} for a tile of the given size and an L2 of {@code l2Bytes}. */
    static int blockRows(int sliverRows, int sliverCols, int kc, int l2Bytes) {
        double rowBytes = (double) kc * Float.BYTES;
        double byCache = l2Bytes / 2.0 / rowBytes;
        double bSliverPages = Math.ceil(sliverCols * rowBytes / PAGE_BYTES);
        double byTlb = (TLB_ENTRIES - bSliverPages) / (rowBytes / PAGE_BYTES + 1);
        return sliverRows * Math.max(MIN_BLOCK_SLIVERS, (int) (Math.min(byCache, byTlb) / sliverRows));
    }

    /** Columns of one packed panel of B: sliverCols-column slivers making up about PANEL_FLOATS at depth KC. */
    static int panelColumns(int sliverCols) {
        return sliverCols * (NC_SLIVERS != null ? NC_SLIVERS
                : Math.max(1, Math.round((float) PANEL_FLOATS / KC / sliverCols)));
    }

    /**
     * Writes a block of op(B) in the packed layout the micro-kernel reads: rows {@code [p0, p0 + kc)}
     * and columns {@code [j0, j0 + nr)} ({@code nr <= sliverCols}) go to
     * {@code dst[offset + (p - p0) * sliverCols + (j - j0)]}, with columns {@code nr..sliverCols-1} zero.
     * {@code sliverCols} is the width of the tile the product runs with. Lets callers such as convolution
     * produce B on the fly instead of materialising it first.
     */
    @FunctionalInterface
    public interface PanelPacker {
        void pack(int p0, int kc, int j0, int nr, int sliverCols, float[] dst, int offset);
    }

    /** The tile and blocking in use, for the backend's description. */
    public static String describe() {
        String others = TILES.stream().skip(1).map(t -> t + " where it pads less").reduce((x, y) -> x + ", " + y)
                .map(list -> "; " + list).orElse("");
        return "GEMM tile " + MR + " x " + NR + " (" + TILE + " vectors" + others + "), KC " + KC + ", MC " + MC + ", NC "
                + NC;
    }

    /**
     * One call of the micro-kernel on packed slivers: {@code c[0:MR, 0:NR] = ap . bp} with {@code kc}
     * k-steps, {@code ap} k-major MR rows, {@code bp} k-major NR columns, c row-major with leading
     * dimension NR. For measuring the register tile in place, with its operands in cache.
     */
    public static void tile(int kc, float[] ap, float[] bp, float[] c) {
        micro(TILE, kc, ap, 0, bp, 0, c, 0, NR, false);
    }

    /** Register-tile height: rows of A per micro-kernel call. */
    public static int tileRows() {
        return MR;
    }

    /** Register-tile width of {@link #TILE}. */
    public static int panelWidth() {
        return NR;
    }

    public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc) {
        gemm(transA, m, n, k, alpha, a, aOff, lda,
                (p0, kc, j0, nr, sliverCols, dst, off) -> packB(transB, b, bOff, ldb, p0, kc, j0, nr, sliverCols, dst, off),
                beta, c, cOff, ldc);
    }

    /** {@code C = alpha op(A) B + beta C} with B supplied, block by block, by {@code packer}. */
    public static void gemm(boolean transA, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                            PanelPacker packer, float beta, float[] c, int cOff, int ldc) {
        gemm(tileFor(TILES, LANES, m, n), transA, m, n, k, alpha, a, aOff, lda, packer, beta, c, cOff, ldc);
    }

    /** {@link #gemm} with the register tile given, one of {@link #WRITTEN}: for tests of each tile. */
    static void gemm(RegisterTile tile, boolean transA, int m, int n, int k, float alpha, float[] a, int aOff,
                     int lda, PanelPacker packer, float beta, float[] c, int cOff, int ldc) {
        if (!WRITTEN.contains(tile)) {
            throw new IllegalArgumentException("gemm: register tile " + tile + " is not one of " + WRITTEN);
        }
        if (m <= 0 || n <= 0) {
            return;
        }
        if (k <= 0 || alpha == 0f) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        int threads = Parallel.threads();
        if (threads == 1 || Parallel.inWorker() || 2.0 * m * n * k < PARALLEL_FLOPS) {
            blocked(tile, 1, transA, m, n, 0, k, alpha, a, aOff, lda, packer, beta, c, cOff, ldc);
            return;
        }
        int sliverRows = tile.rows();
        int sliverCols = sliverColumns(tile);
        boolean splitM = ceilDiv(m, sliverRows) >= ceilDiv(n, sliverCols);
        int units = splitM ? ceilDiv(m, sliverRows) : ceilDiv(n, sliverCols);
        int unit = splitM ? sliverRows : sliverCols;
        int parts = Math.min(threads, units);
        if (splitM && (long) n * k >= SHARED_PANEL_FLOATS) {
            blocked(tile, parts, transA, m, n, 0, k, alpha, a, aOff, lda, packer, beta, c, cOff, ldc);
            return;
        }
        Parallel.forEach(parts, (p0, p1) -> {
            for (int part = p0; part < p1; part++) {
                int from = (int) ((long) units * part / parts) * unit;
                int to = Math.min(splitM ? m : n, (int) ((long) units * (part + 1) / parts) * unit);
                if (splitM) {
                    blocked(tile, 1, transA, to - from, n, 0, k, alpha, a, aOff + (transA ? from : from * lda), lda,
                            packer, beta, c, cOff + from * ldc, ldc);
                } else {
                    blocked(tile, 1, transA, m, to - from, from, k, alpha, a, aOff, lda, packer, beta, c, cOff + from,
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
    private static void blocked(RegisterTile tile, int parts, boolean transA, int m, int n, int jBase, int k,
                                float alpha, float[] a, int aOff, int lda, PanelPacker packer, float beta, float[] c,
                                int cOff, int ldc) {
        Workspace caller = WORKSPACE.get();
        int sliverRows = tile.rows();
        int sliverCols = sliverColumns(tile);
        int panelCols = panelColumns(sliverCols);
        int units = ceilDiv(m, sliverRows);
        for (int jc = 0; jc < n; jc += panelCols) {
            int nc = Math.min(panelCols, n - jc);
            int nSlivers = ceilDiv(nc, sliverCols);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                float[] bp = caller.packedB(nSlivers * sliverCols * kc);
                int j0 = jc;
                int p0 = pc;
                Parallel.Range pack = (s0, s1) -> {
                    for (int s = s0; s < s1; s++) {
                        packer.pack(p0, kc, jBase + j0 + s * sliverCols, Math.min(sliverCols, n - j0 - s * sliverCols),
                                sliverCols, bp, s * sliverCols * kc);
                    }
                };
                if (parts == 1) {
                    pack.run(0, nSlivers);
                    block(tile, transA, m, nc, p0, kc, alpha, a, aOff, lda, bp, beta, c, cOff + j0, ldc, caller);
                    continue;
                }
                Parallel.forRange(nSlivers, 1, pack);
                Parallel.forEach(parts, (q0, q1) -> {
                    Workspace ws = WORKSPACE.get();
                    for (int part = q0; part < q1; part++) {
                        int from = (int) ((long) units * part / parts) * sliverRows;
                        int to = Math.min(m, (int) ((long) units * (part + 1) / parts) * sliverRows);
                        block(tile, transA, to - from, nc, p0, kc, alpha, a, aOff + (transA ? from : from * lda), lda,
                                bp, beta, c, cOff + from * ldc + j0, ldc, ws);
                    }
                });
            }
        }
    }

    /**
     * C[0:m, 0:nc] (+)= alpha op(A)[0:m, pc:pc+kc] times the packed panel {@code bp}; the first k-block
     * ({@code pc == 0}) applies beta, later ones add to what earlier ones wrote. A is packed into
     * {@code ws}, a block of {@link #blockRows} rows at a time.
     */
    private static void block(RegisterTile tile, boolean transA, int m, int nc, int pc, int kc, float alpha, float[] a,
                              int aOff, int lda, float[] bp, float beta, float[] c, int cOff, int ldc, Workspace ws) {
        boolean accumulate = pc > 0 || beta != 0f;
        if (pc == 0 && beta != 0f && beta != 1f) {
            scale(m, nc, beta, c, cOff, ldc);
        }
        int sliverRows = tile.rows();
        int sliverCols = sliverColumns(tile);
        int blockRows = blockRows(tile, kc);
        int nSlivers = ceilDiv(nc, sliverCols);
        float[] edge = ws.edge;
        for (int ic = 0; ic < m; ic += blockRows) {
            int mc = Math.min(blockRows, m - ic);
            int mSlivers = ceilDiv(mc, sliverRows);
            float[] ap = ws.packedA(mSlivers * sliverRows * kc);
            for (int s = 0; s < mSlivers; s++) {
                packA(transA, a, aOff, lda, alpha, ic + s * sliverRows, Math.min(sliverRows, m - ic - s * sliverRows),
                        sliverRows, pc, kc, ap, s * sliverRows * kc);
            }
            for (int ns = 0; ns < nSlivers; ns++) {
                int nr = Math.min(sliverCols, nc - ns * sliverCols);
                for (int ms = 0; ms < mSlivers; ms++) {
                    int mr = Math.min(sliverRows, mc - ms * sliverRows);
                    int ci = cOff + (ic + ms * sliverRows) * ldc + ns * sliverCols;
                    int ai = ms * sliverRows * kc;
                    int bi = ns * sliverCols * kc;
                    if (mr == sliverRows && nr == sliverCols) {
                        micro(tile, kc, ap, ai, bp, bi, c, ci, ldc, accumulate);
                    } else {
                        micro(tile, kc, ap, ai, bp, bi, edge, 0, sliverCols, false);
                        for (int r = 0; r < mr; r++) {
                            for (int j = 0; j < nr; j++) {
                                int o = ci + r * ldc + j;
                                c[o] = accumulate ? c[o] + edge[r * sliverCols + j] : edge[r * sliverCols + j];
                            }
                        }
                    }
                }
            }
        }
    }

    /** The register tile: C[0:rows, 0:cols] = A-sliver * B-sliver, plus C if {@code accumulate}. */
    private static void micro(RegisterTile tile, int kc, float[] ap, int ai, float[] bp, int bi, float[] c, int ci,
                              int ldc, boolean accumulate) {
        switch (tile.rows()) {
            case 6 -> micro6x2(kc, ap, ai, bp, bi, c, ci, ldc, accumulate);
            case 5 -> micro5x2(kc, ap, ai, bp, bi, c, ci, ldc, accumulate);
            default -> micro3x3(kc, ap, ai, bp, bi, c, ci, ldc, accumulate);
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
     * The 5 x 2 tile: per k-step, two vectors of B and five broadcasts of A feed 10 multiply-adds into 10
     * accumulators. Its loop keeps two index counters, one per packed operand: C2 then checks B's index
     * each step and issues the broadcasts two at a time, in 14 registers. Counting k and deriving both
     * indices from it instead, C2 issued all five broadcasts first, needed 17 registers at AVX2 and kept an
     * accumulator on the stack (0.42 of the 3 x 3 tile's speed).
     */
    private static void micro5x2(int kc, float[] ap, int ai, float[] bp, int bi, float[] c, int ci, int ldc,
                                 boolean accumulate) {
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = FloatVector.zero(SPECIES);
        FloatVector c10 = FloatVector.zero(SPECIES), c11 = FloatVector.zero(SPECIES);
        FloatVector c20 = FloatVector.zero(SPECIES), c21 = FloatVector.zero(SPECIES);
        FloatVector c30 = FloatVector.zero(SPECIES), c31 = FloatVector.zero(SPECIES);
        FloatVector c40 = FloatVector.zero(SPECIES), c41 = FloatVector.zero(SPECIES);
        for (int a = ai, b = bi, end = ai + 5 * kc; a < end; a += 5, b += 2 * LANES) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, b);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, b + LANES);
            FloatVector av = FloatVector.broadcast(SPECIES, ap[a]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(SPECIES, ap[a + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(SPECIES, ap[a + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(SPECIES, ap[a + 3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(SPECIES, ap[a + 4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
        }
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

    /** Packs rows [i0, i0 + mr) x columns [p0, p0 + kc) of alpha * op(A), zero-padding to sliverRows rows. */
    private static void packA(boolean trans, float[] a, int aOff, int lda, float alpha, int i0, int mr,
                              int sliverRows, int p0, int kc, float[] ap, int base) {
        if (mr < sliverRows) {
            Arrays.fill(ap, base, base + sliverRows * kc, 0f);
        }
        if (trans) {
            for (int p = 0; p < kc; p++) {
                int src = aOff + (p0 + p) * lda + i0;
                int dst = base + p * sliverRows;
                for (int r = 0; r < mr; r++) {
                    ap[dst + r] = alpha * a[src + r];
                }
            }
        } else {
            for (int r = 0; r < mr; r++) {
                int src = aOff + (i0 + r) * lda + p0;
                // One call per written height, so that each inlined copy strides by a constant: with the
                // height a variable, packing took 30% more time (1.5% of a product at 512 bits).
                switch (sliverRows) {
                    case 6 -> scatterRow(a, src, alpha, kc, ap, base + r, 6);
                    case 5 -> scatterRow(a, src, alpha, kc, ap, base + r, 5);
                    default -> scatterRow(a, src, alpha, kc, ap, base + r, 3);
                }
            }
        }
    }

    /** Packs rows [p0, p0 + kc) x columns [j0, j0 + nr) of op(B), zero-padding to sliverCols columns. */
    private static void packB(boolean trans, float[] b, int bOff, int ldb, int p0, int kc, int j0, int nr,
                              int sliverCols, float[] bp, int base) {
        if (trans) {
            if (nr < sliverCols) {
                Arrays.fill(bp, base, base + sliverCols * kc, 0f);
            }
            for (int j = 0; j < nr; j++) {
                int src = bOff + (j0 + j) * ldb + p0;
                int dst = base + j;
                for (int p = 0; p < kc; p++) {
                    bp[dst + p * sliverCols] = b[src + p];
                }
            }
        } else if (nr == sliverCols) {
            // As in packA: one call per written width, each inlined with a constant count of vectors.
            if (sliverCols == 2 * LANES) {
                copyRows(b, bOff + p0 * ldb + j0, ldb, kc, bp, base, 2);
            } else {
                copyRows(b, bOff + p0 * ldb + j0, ldb, kc, bp, base, 3);
            }
        } else {
            for (int p = 0; p < kc; p++) {
                int src = bOff + (p0 + p) * ldb + j0;
                int dst = base + p * sliverCols;
                System.arraycopy(b, src, bp, dst, nr);
                Arrays.fill(bp, dst + nr, dst + sliverCols, 0f);
            }
        }
    }

    /** {@code ap[dst + p * stride] = alpha * a[src + p]} for p < kc: one row of A into its sliver. */
    private static void scatterRow(float[] a, int src, float alpha, int kc, float[] ap, int dst, int stride) {
        for (int p = 0; p < kc; p++) {
            ap[dst + p * stride] = alpha * a[src + p];
        }
    }

    /** kc rows of {@code vectors} whole vectors each, from rows ldb apart into consecutive rows of a sliver. */
    private static void copyRows(float[] b, int src, int ldb, int kc, float[] bp, int dst, int vectors) {
        for (int p = 0; p < kc; p++, src += ldb, dst += vectors * LANES) {
            for (int v = 0; v < vectors * LANES; v += LANES) {
                FloatVector.fromArray(SPECIES, b, src + v).intoArray(bp, dst + v);
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
        /** One tile of C, for tiles at the edges of C: big enough for every written tile. */
        private final float[] edge = new float[WRITTEN.stream().mapToInt(t -> t.accumulators() * LANES).max().orElseThrow()];

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
