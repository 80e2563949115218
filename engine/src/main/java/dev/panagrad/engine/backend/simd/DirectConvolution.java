package dev.panagrad.engine.backend.simd;

import dev.panagrad.engine.backend.HostArrayPool;
import dev.panagrad.engine.backend.ConvGeometry;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Stride-1 convolution without an im2col matrix, one image and group at a time.
 *
 * <p>The input plane is copied once into a zero-padded buffer of width {@code Wp = W + 2 pW}. In that
 * buffer, output position q = y Wp + x reads tap (c, ky, kx) at {@code q + c Hp Wp + ky dH Wp + kx dW}:
 * every tap is the same run of positions shifted by a constant. So the convolution is a matrix
 * product whose B rows are shifted views of one buffer, and the micro-kernel reads them in place
 * (columns {@code x >= outW} of each row are computed and dropped).
 *
 * <ul>
 *   <li>forward: out = W . shifted(xpad), M = output channels, N = positions, K = Cg kH kW;</li>
 *   <li>input gradient: the transposed convolution of a stride-1 convolution is a stride-1
 *       convolution of dY, padded by {@code dH (kH - 1) - pH}, with the kernel flipped and its channel
 *       axes swapped, so it reuses the forward;</li>
 *   <li>weight gradient: {@code dW[o][c, ky, kx] = sum_q dY[o][q] xpad[q + offset]}, dot products of
 *       contiguous rows, 4 x 4 of them at a time in vector accumulators.</li>
 * </ul>
 */
final class DirectConvolution {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /**
     * The forward's register tile, output channels by vectors of positions, chosen for the machine's
     * registers: 8 x 2 (26 registers) where there are 32, so that 16 output channels fill two slivers
     * (GEMM's 6 rows would leave a ninth of the tiles idle there); 4 x 2 (14) where there are 16. The
     * 3 x 3 tile that suits GEMM there was slower here: 16 channels in slivers of 3 leave 2 of 18 rows
     * idle, and at {@code UseAVX=2} a 16-channel layer ran 12-25% faster with 4 x 2 (bench/RESULTS.md).
     */
    static final RegisterTile TILE = RegisterTile.choose(VectorMachine.CURRENT,
            java.util.List.of(RegisterTile.of(8, 2), RegisterTile.of(4, 2)), System.getProperty("panagrad.direct.tile"));
    private static final boolean EIGHT_BY_TWO = TILE.equals(RegisterTile.of(8, 2));
    private static final int MR = TILE.rows();
    private static final int NR = TILE.vectors() * L;
    /**
     * The weight gradient's tile, output channels by taps, each a dot product of rows: 4 x 4 (24
     * registers) or, where there are 16, 2 x 4 (14).
     */
    static final RegisterTile DOT_TILE = RegisterTile.choose(VectorMachine.CURRENT,
            java.util.List.of(RegisterTile.of(4, 4), RegisterTile.of(2, 4)), System.getProperty("panagrad.direct.dotTile"));
    private static final int DOT_ROWS = DOT_TILE.rows();
    /** Depth of one block of taps; measured with 256, independent of the GEMM's blocking. */
    private static final int KC = 256;
    private static final int WEIGHT_CHUNKS = 8;
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[3][0]);
    /** The weight-gradient tiles' vector sums between segments, per thread: 4 x 4 vectors. */
    private static final ThreadLocal<float[]> DOT_SUMS = ThreadLocal.withInitial(() -> new float[16 * L]);
    /** Positions per weight-gradient tile call: 16 vectors' worth until compiled, 1024 after; one per tile. */
    static final WarmUpSegments DOT4X4_CALLS = new WarmUpSegments(16 * L, 1024 * L, 1 << 15);
    static final WarmUpSegments DOT2X4_CALLS = new WarmUpSegments(16 * L, 1024 * L, 1 << 15);

    private DirectConvolution() {
    }

    /** Geometry of the padded buffer and the shifted rows. */
    private record Plan(int cg, int hp, int wp, int plane, int oh, int ow, int qt, int k, int[] offsets, int[] rowStarts,
                        int block) {
        /** Whether the forward's tiles read whole kernel rows: 3 wide, dilation 1, 32 registers ({@link #microRows8x2}). */
        boolean rows() {
            return rowStarts != null;
        }

        static Plan of(ConvGeometry g) {
            int hp = g.inH() + 2 * g.padH();
            int wp = g.inW() + 2 * g.padW();
            int plane = hp * wp;
            int q = g.outH() * wp;
            int qt = (q + NR - 1) / NR * NR;
            int cg = g.groupInChannels();
            int kk = g.kernelH() * g.kernelW();
            int[] off = new int[cg * kk];
            for (int c = 0; c < cg; c++) {
                for (int ky = 0; ky < g.kernelH(); ky++) {
                    for (int kx = 0; kx < g.kernelW(); kx++) {
                        off[(c * g.kernelH() + ky) * g.kernelW() + kx] = c * plane + ky * g.dilationH() * wp
                                + kx * g.dilationW();
                    }
                }
            }
            boolean rows = EIGHT_BY_TWO && g.kernelW() == 3 && g.dilationW() == 1;
            int[] rowStarts = null;
            if (rows) {
                rowStarts = new int[cg * g.kernelH()];
                for (int r = 0; r < rowStarts.length; r++) {
                    rowStarts[r] = off[r * 3];
                }
            }
            // blocks of taps hold whole kernel rows where the tiles read rows
            return new Plan(cg, hp, wp, plane, g.outH(), g.outW(), qt, cg * kk, off, rowStarts, rows ? KC / 3 * 3 : KC);
        }

        /** Padded input buffer size: the planes plus room for the last tile's reads past the end. */
        int bufferSize() {
            return cg * plane + qt + NR;
        }
    }

    // ---- forward ----------------------------------------------------------------------------------

    static void forward(ConvGeometry g, float[] x, float[] w, float[] bias, float[] out) {
        Plan plan = Plan.of(g);
        int og = g.groupOutChannels();
        int slivers = (og + MR - 1) / MR;
        float[][] packed = packWeights(g, w, slivers, plan.k, plan.block);
        int inPlane = g.inH() * g.inW();
        int outPlane = plan.oh * plan.ow;
        SimdConvolution.forEachImageAndGroup(g, (n, grp) -> {
            float[][] buf = BUFFERS.get();
            float[] xpad = Scratch.atLeast(buf, 0, plan.bufferSize());
            float[] tmp = Scratch.atLeast(buf, 1, slivers * MR * plan.qt);
            pad(g, x, (n * g.inChannels() + grp * plan.cg) * inPlane, plan, xpad);
            product(plan, packed[grp], slivers, xpad, tmp);
            int outBase = (n * g.outChannels() + grp * og) * outPlane;
            for (int o = 0; o < og; o++) {
                float b = bias == null ? 0f : bias[grp * og + o];
                for (int y = 0; y < plan.oh; y++) {
                    int src = o * plan.qt + y * plan.wp;
                    int dst = outBase + o * outPlane + y * plan.ow;
                    if (b == 0f) {
                        System.arraycopy(tmp, src, out, dst, plan.ow);
                    } else {
                        for (int i = 0; i < plan.ow; i++) {
                            out[dst + i] = tmp[src + i] + b;
                        }
                    }
                }
            }
        });
        for (float[] p : packed) {
            HostArrayPool.give(p);
        }
    }

    /** tmp (slivers MR x qt) = packed weights . shifted rows of xpad, K-blocked. */
    private static void product(Plan plan, float[] packed, int slivers, float[] xpad, float[] tmp) {
        for (int pc = 0; pc < plan.k; pc += plan.block) {
            int kc = Math.min(plan.block, plan.k - pc);
            int blockBase = pc * slivers * MR;
            for (int q0 = 0; q0 < plan.qt; q0 += NR) {
                for (int s = 0; s < slivers; s++) {
                    if (plan.rows()) {
                        microRows8x2(kc / 3, packed, blockBase + s * MR * kc, xpad, plan.rowStarts, pc / 3, q0, tmp,
                                s * MR * plan.qt + q0, plan.qt, pc > 0);
                    } else {
                        micro(kc, packed, blockBase + s * MR * kc, xpad, plan.offsets, pc, q0, tmp, s * MR * plan.qt + q0,
                                plan.qt, pc > 0);
                    }
                }
            }
        }
    }

    /**
     * Weights of each group packed as the GEMM packs A: K-blocks of {@code block} taps, slivers of MR output channels
     * (zero-padded), k-major inside a sliver; borrowed from the {@link HostArrayPool}, to be given back.
     */
    private static float[][] packWeights(ConvGeometry g, float[] w, int slivers, int k, int block) {
        int og = g.groupOutChannels();
        float[][] packed = new float[g.groups()][];
        for (int grp = 0; grp < g.groups(); grp++) {
            float[] p = HostArrayPool.borrowZeroed(slivers * MR * k); // slivers' padding channels stay zero
            packed[grp] = p;
            for (int pc = 0; pc < k; pc += block) {
                int kc = Math.min(block, k - pc);
                for (int s = 0; s < slivers; s++) {
                    int base = pc * slivers * MR + s * MR * kc;
                    for (int r = 0; r < MR; r++) {
                        int o = s * MR + r;
                        if (o >= og) {
                            continue;
                        }
                        int src = (grp * og + o) * k + pc;
                        for (int t = 0; t < kc; t++) {
                            p[base + t * MR + r] = w[src + t];
                        }
                    }
                }
            }
        }
        return packed;
    }

    /**
     * The MR x NR tile: c = A-sliver . rows of xp at off[oi + t] + q0 (+ c when accumulating). The
     * register blocking of GemmKernel's micro-kernel; the GEMM reads packed rows at a fixed stride
     * instead, and sharing one kernel through an offset table cost it about 15%.
     */
    private static void micro(int kc, float[] ap, int ai, float[] xp, int[] off, int oi, int q0, float[] c, int ci,
                              int ldc, boolean accumulate) {
        if (EIGHT_BY_TWO) {
            micro8x2(kc, ap, ai, xp, off, oi, q0, c, ci, ldc, accumulate);
        } else {
            micro4x2(kc, ap, ai, xp, off, oi, q0, c, ci, ldc, accumulate);
        }
    }

    /** 8 output channels by 2 vectors of positions. */
    private static void micro8x2(int kc, float[] ap, int ai, float[] xp, int[] off, int oi, int q0, float[] c, int ci,
                                 int ldc, boolean accumulate) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int t = 0; t < kc; t++, ai += 8) {
            int bi = off[oi + t] + q0;
            FloatVector b0 = FloatVector.fromArray(S, xp, bi);
            FloatVector b1 = FloatVector.fromArray(S, xp, bi + L);
            FloatVector av = FloatVector.broadcast(S, ap[ai]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = av.fma(b0, c60);
            c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = av.fma(b0, c70);
            c71 = av.fma(b1, c71);
        }
        // Written out rather than through a helper: a call that C2 declines to inline would box the vectors.
        if (accumulate) {
            c00 = c00.add(FloatVector.fromArray(S, c, ci));
            c01 = c01.add(FloatVector.fromArray(S, c, ci + L));
            c10 = c10.add(FloatVector.fromArray(S, c, ci + ldc));
            c11 = c11.add(FloatVector.fromArray(S, c, ci + ldc + L));
            c20 = c20.add(FloatVector.fromArray(S, c, ci + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(S, c, ci + 2 * ldc + L));
            c30 = c30.add(FloatVector.fromArray(S, c, ci + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(S, c, ci + 3 * ldc + L));
            c40 = c40.add(FloatVector.fromArray(S, c, ci + 4 * ldc));
            c41 = c41.add(FloatVector.fromArray(S, c, ci + 4 * ldc + L));
            c50 = c50.add(FloatVector.fromArray(S, c, ci + 5 * ldc));
            c51 = c51.add(FloatVector.fromArray(S, c, ci + 5 * ldc + L));
            c60 = c60.add(FloatVector.fromArray(S, c, ci + 6 * ldc));
            c61 = c61.add(FloatVector.fromArray(S, c, ci + 6 * ldc + L));
            c70 = c70.add(FloatVector.fromArray(S, c, ci + 7 * ldc));
            c71 = c71.add(FloatVector.fromArray(S, c, ci + 7 * ldc + L));
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + L);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + L);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + L);
        c40.intoArray(c, ci + 4 * ldc);
        c41.intoArray(c, ci + 4 * ldc + L);
        c50.intoArray(c, ci + 5 * ldc);
        c51.intoArray(c, ci + 5 * ldc + L);
        c60.intoArray(c, ci + 6 * ldc);
        c61.intoArray(c, ci + 6 * ldc + L);
        c70.intoArray(c, ci + 7 * ldc);
        c71.intoArray(c, ci + 7 * ldc + L);
    }

    /** 4 output channels by 2 vectors of positions: the tile for 16 vector registers. */
    private static void micro4x2(int kc, float[] ap, int ai, float[] xp, int[] off, int oi, int q0, float[] c, int ci,
                                 int ldc, boolean accumulate) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        for (int t = 0; t < kc; t++, ai += 4) {
            int bi = off[oi + t] + q0;
            FloatVector b0 = FloatVector.fromArray(S, xp, bi);
            FloatVector b1 = FloatVector.fromArray(S, xp, bi + L);
            FloatVector av = FloatVector.broadcast(S, ap[ai]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
        }
        if (accumulate) {
            c00 = c00.add(FloatVector.fromArray(S, c, ci));
            c01 = c01.add(FloatVector.fromArray(S, c, ci + L));
            c10 = c10.add(FloatVector.fromArray(S, c, ci + ldc));
            c11 = c11.add(FloatVector.fromArray(S, c, ci + ldc + L));
            c20 = c20.add(FloatVector.fromArray(S, c, ci + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(S, c, ci + 2 * ldc + L));
            c30 = c30.add(FloatVector.fromArray(S, c, ci + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(S, c, ci + 3 * ldc + L));
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + L);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + L);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + L);
    }

    /**
     * {@link #micro8x2} for kernels 3 wide, dilation 1, a kernel row at a time: the row's 3 taps read
     * positions q0, q0 + 1 and q0 + 2 from one row start, so C2 checks their bounds once per row, where
     * reading each tap through the offset table cost a check per tap. Taps in the same order, so the same
     * bits. Only with 32 registers: at 16, C2 loads the row's 6 vectors ahead and spills the 4 x 2
     * tile's sums (0.68 of the tap-by-tap tile), so there is only the 8 x 2 tile's version.
     */
    private static void microRows8x2(int rows, float[] ap, int ai, float[] xp, int[] rowStarts, int ri, int q0, float[] c,
                                    int ci, int ldc, boolean accumulate) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int row = 0; row < rows; row++) {
            int bi = rowStarts[ri + row] + q0;
            for (int kx = 0; kx < 3; kx++, ai += 8) { // the row's three taps, read from its one start
                FloatVector b0 = FloatVector.fromArray(S, xp, bi + kx);
                FloatVector b1 = FloatVector.fromArray(S, xp, bi + kx + L);
                FloatVector av = FloatVector.broadcast(S, ap[ai]);
                c00 = av.fma(b0, c00);
                c01 = av.fma(b1, c01);
                av = FloatVector.broadcast(S, ap[ai + 1]);
                c10 = av.fma(b0, c10);
                c11 = av.fma(b1, c11);
                av = FloatVector.broadcast(S, ap[ai + 2]);
                c20 = av.fma(b0, c20);
                c21 = av.fma(b1, c21);
                av = FloatVector.broadcast(S, ap[ai + 3]);
                c30 = av.fma(b0, c30);
                c31 = av.fma(b1, c31);
                av = FloatVector.broadcast(S, ap[ai + 4]);
                c40 = av.fma(b0, c40);
                c41 = av.fma(b1, c41);
                av = FloatVector.broadcast(S, ap[ai + 5]);
                c50 = av.fma(b0, c50);
                c51 = av.fma(b1, c51);
                av = FloatVector.broadcast(S, ap[ai + 6]);
                c60 = av.fma(b0, c60);
                c61 = av.fma(b1, c61);
                av = FloatVector.broadcast(S, ap[ai + 7]);
                c70 = av.fma(b0, c70);
                c71 = av.fma(b1, c71);
            }
        }
        if (accumulate) {
            c00 = c00.add(FloatVector.fromArray(S, c, ci));
            c01 = c01.add(FloatVector.fromArray(S, c, ci + L));
            c10 = c10.add(FloatVector.fromArray(S, c, ci + ldc));
            c11 = c11.add(FloatVector.fromArray(S, c, ci + ldc + L));
            c20 = c20.add(FloatVector.fromArray(S, c, ci + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(S, c, ci + 2 * ldc + L));
            c30 = c30.add(FloatVector.fromArray(S, c, ci + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(S, c, ci + 3 * ldc + L));
            c40 = c40.add(FloatVector.fromArray(S, c, ci + 4 * ldc));
            c41 = c41.add(FloatVector.fromArray(S, c, ci + 4 * ldc + L));
            c50 = c50.add(FloatVector.fromArray(S, c, ci + 5 * ldc));
            c51 = c51.add(FloatVector.fromArray(S, c, ci + 5 * ldc + L));
            c60 = c60.add(FloatVector.fromArray(S, c, ci + 6 * ldc));
            c61 = c61.add(FloatVector.fromArray(S, c, ci + 6 * ldc + L));
            c70 = c70.add(FloatVector.fromArray(S, c, ci + 7 * ldc));
            c71 = c71.add(FloatVector.fromArray(S, c, ci + 7 * ldc + L));
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + L);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + L);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + L);
        c40.intoArray(c, ci + 4 * ldc);
        c41.intoArray(c, ci + 4 * ldc + L);
        c50.intoArray(c, ci + 5 * ldc);
        c51.intoArray(c, ci + 5 * ldc + L);
        c60.intoArray(c, ci + 6 * ldc);
        c61.intoArray(c, ci + 6 * ldc + L);
        c70.intoArray(c, ci + 7 * ldc);
        c71.intoArray(c, ci + 7 * ldc + L);
    }

    /** Copies Cg planes of x into xpad with a zero border of pH rows and pW columns. */
    private static void pad(ConvGeometry g, float[] x, int xOff, Plan plan, float[] xpad) {
        ZeroPadding.copy(x, xOff, plan.cg, g.inH(), g.inW(), g.padH(), g.padW(), xpad, 0);
        // Reads of the last tiles run past the planes; keep them finite (and zero) so that a stale NaN
        // there cannot reach a weight gradient through 0 * NaN.
        java.util.Arrays.fill(xpad, plan.cg * plan.plane, plan.bufferSize(), 0f);
    }

    // ---- input gradient ----------------------------------------------------------------------------

    static void backwardInput(ConvGeometry g, float[] gy, float[] w, float[] gx) {
        float[] flipped = TransposedConvolution.weights(g, w);
        forward(TransposedConvolution.geometry(g), gy, flipped, null, gx);
        HostArrayPool.give(flipped);
    }

    // ---- weight gradient ---------------------------------------------------------------------------

    /** Floats of padded input per block of images in the weight gradient: a few MB, cache-friendly. */
    private static final int WEIGHT_BLOCK_FLOATS = 1 << 19;

    /**
     * Images of a chunk are laid side by side along the position axis ([c][image][Hp Wp]), so that one
     * dot product covers several images and the lane reductions at its end are amortised.
     */
    static void backwardWeight(ConvGeometry g, float[] x, float[] gy, float[] gw, float[] gb) {
        Plan plan = Plan.of(g);
        int og = g.groupOutChannels();
        int cg = plan.cg;
        int k = plan.k;
        int weights = g.outChannels() * k;
        int inPlane = g.inH() * g.inW();
        int outPlane = plan.oh * plan.ow;
        int chunks = Math.min(WEIGHT_CHUNKS, g.batch());
        int perBlock = Math.max(1, WEIGHT_BLOCK_FLOATS / Math.max(1, cg * plan.plane));
        float[] partialW = HostArrayPool.borrowZeroed(chunks * weights);
        float[] partialB = gb == null ? null : new float[chunks * g.outChannels()];
        dev.panagrad.engine.backend.Parallel.Range body = (c0, c1) -> {
            for (int chunk = c0; chunk < c1; chunk++) {
                int from = (int) ((long) g.batch() * chunk / chunks);
                int to = (int) ((long) g.batch() * (chunk + 1) / chunks);
                for (int n0 = from; n0 < to; n0 += perBlock) {
                    int images = Math.min(perBlock, to - n0);
                    for (int grp = 0; grp < g.groups(); grp++) {
                        accumulateBlock(g, plan, x, gy, n0, images, grp, partialW, chunk * weights + grp * og * k);
                    }
                    if (partialB != null) {
                        for (int n = n0; n < n0 + images; n++) {
                            for (int o = 0; o < g.outChannels(); o++) {
                                partialB[chunk * g.outChannels() + o] += SimdReductions.contiguous(
                                        dev.panagrad.engine.backend.ReduceOp.SUM, gy, (n * g.outChannels() + o) * outPlane,
                                        outPlane);
                            }
                        }
                    }
                }
            }
        };
        if (chunks > 1) {
            dev.panagrad.engine.backend.Parallel.forEach(chunks, body);
        } else {
            body.run(0, chunks);
        }
        SimdConvolution.sumChunks(partialW, chunks, weights, gw);
        HostArrayPool.give(partialW);
        if (gb != null) {
            SimdConvolution.sumChunks(partialB, chunks, g.outChannels(), gb);
        }
    }

    /** dW of one group += contributions of images [n0, n0 + images). */
    private static void accumulateBlock(ConvGeometry g, Plan plan, float[] x, float[] gy, int n0, int images, int grp,
                                        float[] dw, int dwOff) {
        int og = g.groupOutChannels();
        int cg = plan.cg;
        int inPlane = g.inH() * g.inW();
        int outPlane = plan.oh * plan.ow;
        int span = images * plan.plane;                       // positions of one channel across the block
        int length = (span + L - 1) / L * L;
        float[][] buf = BUFFERS.get();
        float[] xpad = Scratch.atLeast(buf, 0, cg * span + length + NR);
        float[] dy = Scratch.atLeast(buf, 2, og * length);
        // xpad[c][i][plane], zero-padded; dy[o][i][plane] with zeros wherever no output position lies.
        java.util.Arrays.fill(xpad, 0, cg * span + length + NR, 0f);
        java.util.Arrays.fill(dy, 0, og * length, 0f);
        for (int c = 0; c < cg; c++) {
            for (int i = 0; i < images; i++) {
                int src = ((n0 + i) * g.inChannels() + grp * cg + c) * inPlane;
                int dst = c * span + i * plan.plane + g.padH() * plan.wp + g.padW();
                for (int y = 0; y < g.inH(); y++) {
                    System.arraycopy(x, src + y * g.inW(), xpad, dst + y * plan.wp, g.inW());
                }
            }
        }
        for (int o = 0; o < og; o++) {
            for (int i = 0; i < images; i++) {
                int src = ((n0 + i) * g.outChannels() + grp * og + o) * outPlane;
                int dst = o * length + i * plan.plane;
                for (int y = 0; y < plan.oh; y++) {
                    System.arraycopy(gy, src + y * plan.ow, dy, dst + y * plan.wp, plan.ow);
                }
            }
        }
        int[] off = new int[plan.k];
        int kk = g.kernelH() * g.kernelW();
        for (int j = 0; j < plan.k; j++) {
            int c = j / kk;
            off[j] = c * span + ((j % kk) / g.kernelW()) * g.dilationH() * plan.wp + (j % g.kernelW()) * g.dilationW();
        }
        dots(og, plan.k, off, length, dy, xpad, dw, dwOff);
    }

    /** {@code dw[o][j] += sum over q < qt of dy[o][q] * xpad[off[j] + q]}, for {@code o < og} and {@code j < k}. */
    private static void dots(int og, int k, int[] off, int qt, float[] dy, float[] xpad, float[] dw, int dwOff) {
        float[] sums = DOT_SUMS.get();
        WarmUpSegments guard = DOT_ROWS == 4 ? DOT4X4_CALLS : DOT2X4_CALLS;
        int o = 0;
        for (; o + DOT_ROWS <= og; o += DOT_ROWS) {
            int j = 0;
            for (; j + 4 <= k; j += 4) {
                dotRows(DOT_ROWS, guard, sums, dy, o * qt, qt, xpad, off[j], off[j + 1], off[j + 2], off[j + 3], dw,
                        dwOff + o * k + j, k);
            }
            for (; j < k; j++) {
                for (int r = o; r < o + DOT_ROWS; r++) {
                    dw[dwOff + r * k + j] += dot(dy, r * qt, xpad, off[j], qt);
                }
            }
        }
        for (; o < og; o++) {
            for (int j = 0; j < k; j++) {
                dw[dwOff + o * k + j] += dot(dy, o * qt, xpad, off[j], qt);
            }
        }
    }

    /**
     * {@code rows} rows of dY (at d0, stride ld) against four shifted rows of x, over ld positions:
     * {@code dw[w0 + r ldw + c] += sum_q dy[r][q] x[c][q]}. The positions run in segments whose vector
     * sums carry over through {@code sums} (this thread's), so the bits are those of one long loop; the
     * segments are short until the tile is compiled as a method ({@code guard}, a {@link WarmUpSegments}:
     * a long first call made an OSR version that boxed its vectors, at ResNet-18's and ResNet-50's plane
     * sizes).
     */
    private static void dotRows(int rows, WarmUpSegments guard, float[] sums, float[] dy, int d0, int ld, float[] x,
                                int x0, int x1, int x2, int x3, float[] dw, int w0, int ldw) {
        int segment = guard.length();
        for (int q0 = 0; q0 < ld; q0 += segment) {
            int q1 = Math.min(ld, q0 + segment);
            if (rows == 4) {
                dot4x4Segment(dy, d0, ld, x, x0, x1, x2, x3, q0, q1, sums, q0 == 0);
            } else {
                dot2x4Segment(dy, d0, ld, x, x0, x1, x2, x3, q0, q1, sums, q0 == 0);
            }
        }
        guard.ran(ld);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < 4; c++) {
                dw[w0 + r * ldw + c] += Lanes.sum(FloatVector.fromArray(S, sums, (r * 4 + c) * L));
            }
        }
    }

    /** Four rows of dY against four shifted rows of x: the weight-gradient tile for 32 vector registers. */
    private static void dot4x4Segment(float[] dy, int d0, int ld, float[] x, int x0, int x1, int x2, int x3,
                                       int from, int to, float[] sums, boolean first) {
        FloatVector a00 = start(sums, 0, first), a01 = start(sums, 1, first), a02 = start(sums, 2, first), a03 = start(sums, 3, first);
        FloatVector a10 = start(sums, 4, first), a11 = start(sums, 5, first), a12 = start(sums, 6, first), a13 = start(sums, 7, first);
        FloatVector a20 = start(sums, 8, first), a21 = start(sums, 9, first), a22 = start(sums, 10, first), a23 = start(sums, 11, first);
        FloatVector a30 = start(sums, 12, first), a31 = start(sums, 13, first), a32 = start(sums, 14, first), a33 = start(sums, 15, first);
        for (int q = from; q < to; q += L) {
            FloatVector v0 = FloatVector.fromArray(S, x, x0 + q);
            FloatVector v1 = FloatVector.fromArray(S, x, x1 + q);
            FloatVector v2 = FloatVector.fromArray(S, x, x2 + q);
            FloatVector v3 = FloatVector.fromArray(S, x, x3 + q);
            FloatVector d;
            d = FloatVector.fromArray(S, dy, d0 + q);
            a00 = d.fma(v0, a00);
            a01 = d.fma(v1, a01);
            a02 = d.fma(v2, a02);
            a03 = d.fma(v3, a03);
            d = FloatVector.fromArray(S, dy, d0 + ld + q);
            a10 = d.fma(v0, a10);
            a11 = d.fma(v1, a11);
            a12 = d.fma(v2, a12);
            a13 = d.fma(v3, a13);
            d = FloatVector.fromArray(S, dy, d0 + 2 * ld + q);
            a20 = d.fma(v0, a20);
            a21 = d.fma(v1, a21);
            a22 = d.fma(v2, a22);
            a23 = d.fma(v3, a23);
            d = FloatVector.fromArray(S, dy, d0 + 3 * ld + q);
            a30 = d.fma(v0, a30);
            a31 = d.fma(v1, a31);
            a32 = d.fma(v2, a32);
            a33 = d.fma(v3, a33);
        }
        a00.intoArray(sums, 0 * L);
        a01.intoArray(sums, 1 * L);
        a02.intoArray(sums, 2 * L);
        a03.intoArray(sums, 3 * L);
        a10.intoArray(sums, 4 * L);
        a11.intoArray(sums, 5 * L);
        a12.intoArray(sums, 6 * L);
        a13.intoArray(sums, 7 * L);
        a20.intoArray(sums, 8 * L);
        a21.intoArray(sums, 9 * L);
        a22.intoArray(sums, 10 * L);
        a23.intoArray(sums, 11 * L);
        a30.intoArray(sums, 12 * L);
        a31.intoArray(sums, 13 * L);
        a32.intoArray(sums, 14 * L);
        a33.intoArray(sums, 15 * L);
    }

    /** Two rows of dY against four shifted rows of x: the weight-gradient tile for 16 vector registers. */
    private static void dot2x4Segment(float[] dy, int d0, int ld, float[] x, int x0, int x1, int x2, int x3,
                                       int from, int to, float[] sums, boolean first) {
        FloatVector a00 = start(sums, 0, first), a01 = start(sums, 1, first), a02 = start(sums, 2, first), a03 = start(sums, 3, first);
        FloatVector a10 = start(sums, 4, first), a11 = start(sums, 5, first), a12 = start(sums, 6, first), a13 = start(sums, 7, first);
        for (int q = from; q < to; q += L) {
            FloatVector v0 = FloatVector.fromArray(S, x, x0 + q);
            FloatVector v1 = FloatVector.fromArray(S, x, x1 + q);
            FloatVector v2 = FloatVector.fromArray(S, x, x2 + q);
            FloatVector v3 = FloatVector.fromArray(S, x, x3 + q);
            FloatVector d;
            d = FloatVector.fromArray(S, dy, d0 + q);
            a00 = d.fma(v0, a00);
            a01 = d.fma(v1, a01);
            a02 = d.fma(v2, a02);
            a03 = d.fma(v3, a03);
            d = FloatVector.fromArray(S, dy, d0 + ld + q);
            a10 = d.fma(v0, a10);
            a11 = d.fma(v1, a11);
            a12 = d.fma(v2, a12);
            a13 = d.fma(v3, a13);
        }
        a00.intoArray(sums, 0 * L);
        a01.intoArray(sums, 1 * L);
        a02.intoArray(sums, 2 * L);
        a03.intoArray(sums, 3 * L);
        a10.intoArray(sums, 4 * L);
        a11.intoArray(sums, 5 * L);
        a12.intoArray(sums, 6 * L);
        a13.intoArray(sums, 7 * L);
    }

    /** An accumulator at the start of a segment: zero for the first, else the sum the last one stored. */
    private static FloatVector start(float[] sums, int i, boolean first) {
        return first ? FloatVector.zero(S) : FloatVector.fromArray(S, sums, i * L);
    }

    private static float dot(float[] a, int ai, float[] b, int bi, int n) {
        FloatVector acc = FloatVector.zero(S);
        for (int q = 0; q < n; q += L) {
            acc = FloatVector.fromArray(S, a, ai + q).fma(FloatVector.fromArray(S, b, bi + q), acc);
        }
        return Lanes.sum(acc);
    }
}
