package dev.panagrad.engine.backend.simd;

import dev.panagrad.engine.backend.ConvGeometry;
import dev.panagrad.engine.backend.HostArrayPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The input gradient of a strided convolution as one stride-1 correlation per phase of the stride, on
 * {@link ChannelConvolution}'s tiles (vectors across input channels).
 *
 * <p>Input row iy takes output row oy through tap ky where {@code iy = sH oy + dH ky - pH}, so
 * {@code oy = (iy + pH - dH ky) / sH} for the taps where that division is exact. Which taps those are
 * depends only on the phase {@code py = iy mod sH}: the rows {@code iy = py + sH j} of one phase take
 * rows {@code j + dy} of dY, with {@code dy = (py + pH - dH ky) / sH} fixed per tap. Columns alike. So
 * each phase (py, px) is a stride-1 correlation of dY with its own few taps (for 3 x 3 at stride 2: 1,
 * 2, 2 and 4 of the 9), each tap in exactly one phase: the 9 taps' work, none of it on the zeros that a
 * transposed convolution would insert between dY's values, and no col2im scatter.
 *
 * <p>Per image: dY goes channels last into a zero-padded copy ({@link ZeroPadding#copyChannelsLast}),
 * with a border wide enough for every phase's reads; per block of input channels, each phase's tiles
 * ({@link ChannelConvolution#tilePlane}) sum over its taps and dY's channels; the phase's positions go to
 * their places in a channels-last copy of dX's plane, which {@link ChannelConvolution#toPlanes} turns
 * into dX's planes. Every dX value is one dot product in a fixed order, so the bits do not depend on the
 * thread count.
 */
final class PhaseSplitInputGradient {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Input channels per block: the tiles' two vectors. */
    private static final int CO = ChannelConvolution.CHANNEL_TILE;
    /** Per thread: dY's padded copy, one phase's sums, dX's plane channels last. */
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[3][0]);

    private PhaseSplitInputGradient() {
    }

    /** The taps and reads of one phase. */
    private record Phase(int py, int px, int rows, int columns, int[] ky, int[] kx, int[] dy, int[] dx, int firstTap) {
        int taps() {
            return ky.length;
        }
    }

    static void backwardInput(ConvGeometry g, float[] gy, float[] w, float[] gx) {
        int og = g.groupOutChannels(); // dY's channels: the run each tap's reads go along
        int cg = g.groupInChannels();
        int kk = g.kernelH() * g.kernelW();
        int blocks = (cg + CO - 1) / CO;
        Phase[] phases = phases(g);
        // The border: every phase's reads of rows j + dy (j < rows) and columns i + dx fall in the padded copy.
        int padH = border(phases, true, g.outH());
        int padW = border(phases, false, g.outW());
        int wp = g.outW() + 2 * padW;
        int rowStep = wp * og;
        int bufferSize = ((g.outH() + 2 * padH) * wp + ChannelConvolution.TILE_SLACK) * og;
        int[][] tapOff = new int[phases.length][];
        int largest = 0;
        for (int p = 0; p < phases.length; p++) {
            Phase ph = phases[p];
            tapOff[p] = new int[ph.taps()];
            for (int t = 0; t < ph.taps(); t++) {
                tapOff[p][t] = ((ph.dy[t] + padH) * wp + ph.dx[t] + padW) * og;
            }
            largest = Math.max(largest, ph.rows * ph.columns);
        }
        // [group][block][tap, in phase order][dY channel][CO input channels]; lanes past cg stay zero.
        int blockWeights = kk * og * CO;
        float[] packed = HostArrayPool.borrowZeroed(g.groups() * blocks * blockWeights);
        for (int grp = 0; grp < g.groups(); grp++) {
            for (int block = 0; block < blocks; block++) {
                int base = (grp * blocks + block) * blockWeights;
                for (Phase ph : phases) {
                    for (int t = 0; t < ph.taps(); t++) {
                        int tap = ph.ky[t] * g.kernelW() + ph.kx[t];
                        for (int o = 0; o < og; o++) {
                            for (int j = 0; j < CO && block * CO + j < cg; j++) {
                                int c = block * CO + j;
                                packed[base + ((ph.firstTap + t) * og + o) * CO + j] = w[((grp * og + o) * cg + c) * kk + tap];
                            }
                        }
                    }
                }
            }
        }
        int inH = g.inH();
        int inW = g.inW();
        int inPlane = inH * inW;
        int outPlane = g.outH() * g.outW();
        int phaseSize = (largest + ChannelConvolution.TILE_SLACK) * CO;
        SimdConvolution.forEachImageAndGroup(g, (n, grp) -> {
            float[][] buf = BUFFERS.get();
            float[] ypad = Scratch.atLeast(buf, 0, bufferSize);
            float[] sums = Scratch.atLeast(buf, 1, phaseSize);
            float[] plane = Scratch.atLeast(buf, 2, inPlane * CO);
            int past = ZeroPadding.copyChannelsLast(gy, (n * g.outChannels() + grp * og) * outPlane, og, g.outH(),
                    g.outW(), padH, padW, ypad, 0);
            java.util.Arrays.fill(ypad, past, bufferSize, 0f);
            for (int block = 0; block < blocks; block++) {
                for (int p = 0; p < phases.length; p++) {
                    Phase ph = phases[p];
                    if (ph.taps() == 0) { // no tap reaches these rows and columns: their gradient is zero
                        java.util.Arrays.fill(sums, 0, ph.rows * ph.columns * CO, 0f);
                    } else {
                        int wOff = (grp * blocks + block) * blockWeights + ph.firstTap * og * CO;
                        ChannelConvolution.tilePlane(ph.rows, ph.columns, ph.taps(), og, packed, wOff, ypad, tapOff[p], og,
                                rowStep, sums);
                    }
                    place(ph, g.strideH(), g.strideW(), inW, sums, plane);
                }
                int channel = grp * cg + block * CO;
                ChannelConvolution.toPlanes(plane, inPlane, Math.min(CO, cg - block * CO), null, null, channel, gx,
                        (n * g.inChannels() + channel) * inPlane);
            }
        });
        HostArrayPool.give(packed);
    }

    /** The zero border, rows or columns, that keeps every phase's reads inside dY's padded copy. */
    private static int border(Phase[] phases, boolean rows, int size) {
        int pad = 0;
        for (Phase ph : phases) {
            int last = (rows ? ph.rows : ph.columns) - 1;
            if (last < 0) {
                continue; // a phase with no positions reads nothing
            }
            for (int d : rows ? ph.dy : ph.dx) {
                pad = Math.max(pad, Math.max(-d, last + d - (size - 1)));
            }
        }
        return pad;
    }

    /** The phase's sums, [j][i][CO], to their places in dX's plane, channels last: row py + sH j, column px + sW i. */
    private static void place(Phase ph, int sH, int sW, int inW, float[] sums, float[] plane) {
        for (int j = 0; j < ph.rows; j++) {
            int from = j * ph.columns * CO;
            int to = ((ph.py + sH * j) * inW + ph.px) * CO;
            for (int i = 0; i < ph.columns; i++, from += CO, to += sW * CO) {
                FloatVector.fromArray(S, sums, from).intoArray(plane, to);
                FloatVector.fromArray(S, sums, from + L).intoArray(plane, to + L);
            }
        }
    }

    /**
     * Whether every phase has a tap: where some have none (a 1 x 1 kernel at stride 2), their positions
     * are zeros that this kernel still writes through its tiles' buffers, a whole plane's copies for
     * nothing, and the GEMM with col2im after one fill is as fast or faster (0.73 of it on a 1 x 1
     * 16 -> 32 at AVX2, bench/RESULTS.md).
     */
    static boolean reachesEveryPhase(ConvGeometry g) {
        for (int py = 0; py < g.strideH(); py++) {
            if (taps(py, g.padH(), g.dilationH(), g.strideH(), g.kernelH()).length == 0) {
                return false;
            }
        }
        for (int px = 0; px < g.strideW(); px++) {
            if (taps(px, g.padW(), g.dilationW(), g.strideW(), g.kernelW()).length == 0) {
                return false;
            }
        }
        return true;
    }

    /** The sH x sW phases, row-major; each tap of the kernel in exactly one of them. */
    private static Phase[] phases(ConvGeometry g) {
        Phase[] phases = new Phase[g.strideH() * g.strideW()];
        int firstTap = 0;
        for (int py = 0; py < g.strideH(); py++) {
            int[] ky = taps(py, g.padH(), g.dilationH(), g.strideH(), g.kernelH());
            for (int px = 0; px < g.strideW(); px++) {
                int[] kx = taps(px, g.padW(), g.dilationW(), g.strideW(), g.kernelW());
                int n = ky.length * kx.length;
                int[] tky = new int[n];
                int[] tkx = new int[n];
                int[] dy = new int[n];
                int[] dx = new int[n];
                for (int a = 0, t = 0; a < ky.length; a++) {
                    for (int b = 0; b < kx.length; b++, t++) {
                        tky[t] = ky[a];
                        tkx[t] = kx[b];
                        dy[t] = (py + g.padH() - g.dilationH() * ky[a]) / g.strideH();
                        dx[t] = (px + g.padW() - g.dilationW() * kx[b]) / g.strideW();
                    }
                }
                int rows = py < g.inH() ? (g.inH() - py + g.strideH() - 1) / g.strideH() : 0;
                int columns = px < g.inW() ? (g.inW() - px + g.strideW() - 1) / g.strideW() : 0;
                phases[py * g.strideW() + px] = new Phase(py, px, rows, columns, tky, tkx, dy, dx, firstTap);
                firstTap += n;
            }
        }
        return phases;
    }

    /** The kernel offsets k whose reads land on phase r: (r + pad - dilation k) divisible by the stride. */
    private static int[] taps(int r, int pad, int dilation, int stride, int kernel) {
        return java.util.stream.IntStream.range(0, kernel)
                .filter(k -> Math.floorMod(r + pad - dilation * k, stride) == 0).toArray();
    }
}
