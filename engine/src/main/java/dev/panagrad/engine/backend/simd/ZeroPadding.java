package dev.panagrad.engine.backend.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Copies image planes into a buffer with a zero border, the layouts the direct and channel-vector
 * convolutions read their taps from: as planes ({@link #copy}) or channels last
 * ({@link #copyChannelsLast}). The whole region is cleared in one fill and each row is then
 * copied with whole vectors (the first half of a vector, under a mask, for a row of 8 under AVX-512): on
 * the 8 x 8 and 16 x 16 planes of CIFAR ResNets, a {@code System.arraycopy} and an {@code Arrays.fill}
 * per row, or scalar loops of a few iterations, made padding a tenth of a training step.
 *
 * <p>Only the preferred species is used. A narrower species beside it (a 256-bit vector for the half
 * row) makes the JDK's shared vector methods, {@code intoArray} among them, see two receiver classes;
 * when C2 then compiles this loop with a late-inlined load, the store no longer knows its vector's
 * exact class and every vector is boxed on the heap (hundreds of MB per CCKD step at 512 bits).
 */
final class ZeroPadding {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** The first half of a vector, where that half still holds 8 floats or more (AVX-512); else null. */
    private static final VectorMask<Float> FIRST_HALF = L >= 16 ? S.indexInRange(0, L / 2) : null;

    private ZeroPadding() {
    }

    /**
     * Writes {@code channels} planes of {@code h x w} values from {@code x[xOff..]} into
     * {@code xpad[at..]} as planes of {@code (h + 2 ph) x (w + 2 pw)}, borders zero.
     */
    static void copy(float[] x, int xOff, int channels, int h, int w, int ph, int pw, float[] xpad, int at) {
        int wp = w + 2 * pw;
        int plane = (h + 2 * ph) * wp;
        java.util.Arrays.fill(xpad, at, at + channels * plane, 0f);
        int src = xOff;
        for (int c = 0; c < channels; c++) {
            int dst = at + c * plane + ph * wp + pw;
            for (int y = 0; y < h; y++, src += w, dst += wp) {
                int j = 0;
                for (; j <= w - L; j += L) {
                    FloatVector.fromArray(S, x, src + j).intoArray(xpad, dst + j);
                }
                if (FIRST_HALF != null && j <= w - L / 2) {
                    FloatVector.fromArray(S, x, src + j, FIRST_HALF).intoArray(xpad, dst + j, FIRST_HALF);
                    j += L / 2;
                }
                for (; j < w; j++) {
                    xpad[dst + j] = x[src + j];
                }
            }
        }
    }

    /** Per thread, not per call: where each position of a transposed block goes. */
    private static final ThreadLocal<int[]> TARGETS = ThreadLocal.withInitial(() -> new int[L]);

    /**
     * Writes {@code channels} planes of {@code h x w} values from {@code x[xOff..]} into {@code xpad[at..]}
     * channels last, with a zero border: value (c, y, j) goes to {@code at + ((y + ph) wp + pw + j)
     * channels + c}, where {@code wp = w + 2 pw}. The channels of one position are then neighbouring
     * floats, the layout {@link ChannelConvolution}'s forward tiles read. Blocks of 8 channels by one
     * vector of positions go through {@link Transposition}; the channels and positions left over, one
     * float at a time.
     *
     * @return the index just past the padded image
     */
    static int copyChannelsLast(float[] x, int xOff, int channels, int h, int w, int ph, int pw, float[] xpad, int at) {
        int wp = w + 2 * pw;
        int end = at + (h + 2 * ph) * wp * channels;
        java.util.Arrays.fill(xpad, at, end, 0f);
        int planeSize = h * w;
        int blocked = Transposition.FITS && channels >= 8 ? planeSize - planeSize % L : 0;
        int[] targets = TARGETS.get();
        // Blocks of one vector of positions, which may run over the end of a row: the target of each
        // position's channel 0 is counted along, row by row, rather than divided out.
        for (int q0 = 0, y = 0, j = 0; q0 < blocked; q0 += L) {
            for (int p = 0; p < L; p++) {
                targets[p] = at + ((y + ph) * wp + pw + j) * channels;
                if (++j == w) {
                    j = 0;
                    y++;
                }
            }
            int c0 = 0;
            for (; c0 + 8 <= channels; c0 += 8) {
                Transposition.eightRows(x, xOff + c0 * planeSize + q0, planeSize, xpad, targets, null, 0);
                for (int p = 0; p < L; p++) {
                    targets[p] += 8;
                }
            }
            for (int p = 0; p < L; p++) { // the channels left over, for these positions
                for (int c = c0; c < channels; c++) {
                    xpad[targets[p] - c0 + c] = x[xOff + c * planeSize + q0 + p];
                }
            }
        }
        for (int q = blocked; q < planeSize; q++) { // the positions left over, every channel
            int dst = at + ((q / w + ph) * wp + pw + q % w) * channels;
            for (int c = 0; c < channels; c++) {
                xpad[dst + c] = x[xOff + c * planeSize + q];
            }
        }
        return end;
    }

    /**
     * For a convolution {@code kw} wide at stride 1: the image's planes, zero-padded, copied {@code kw}
     * times, the copy for kx shifted left by kx columns and cut to {@code ow = w + 2 pw - kw + 1} columns:
     * value (c, y, j) goes to {@code at + ((kx channels + c) hp + y + ph) ow + j + pw - kx} for each kx
     * that puts it in a column from 0 to ow - 1, where {@code hp = h + 2 ph}; every other float up to the
     * returned index is zero. The value under tap (ky, kx) of output position q = (oy, ox) of channel c
     * is then at the same offset from q for every position of the image, so the weight gradient's loop
     * over positions reads at indexes C2 checks once.
     *
     * <p>Everything goes as whole vectors in increasing order, each allowed to run past its part since
     * what lies beyond is written later: zeros over each row's left border, the row's values, zeros
     * after them, and the border rows. So {@code dst} needs one vector of room past the returned index.
     * Scalar loops for the borders and masked stores took most of this copy's time.
     *
     * @return the index just past the copies
     */
    static int copyShifted(float[] x, int xOff, int channels, int h, int w, int ph, int pw, int kw, float[] dst, int at) {
        int hp = h + 2 * ph;
        int ow = w + 2 * pw - kw + 1;
        int plane = hp * ow;
        FloatVector zero = FloatVector.zero(S);
        for (int kx = 0; kx < kw; kx++) {
            // source columns from..to-1 land in columns lead..lead+n-1 of a row
            int from = Math.max(0, kx - pw);
            int to = Math.min(w, ow + kx - pw);
            int n = Math.max(0, to - from);
            int lead = Math.min(ow, from + pw - kx);
            int span = (n + L - 1) / L * L; // floats the vectors of a row read
            for (int c = 0; c < channels; c++) {
                int start = at + (kx * channels + c) * plane;
                for (int z = 0; z < ph * ow; z += L) {
                    zero.intoArray(dst, start + z);
                }
                int src = xOff + c * h * w + from;
                // the last row's vectors may read past the plane: past the end of x, a scalar copy
                boolean vectors = src + (h - 1) * w + span <= x.length;
                for (int y = 0, rowStart = start + ph * ow; y < h; y++, src += w, rowStart += ow) {
                    for (int z = 0; z < lead; z += L) {
                        zero.intoArray(dst, rowStart + z);
                    }
                    int row = rowStart + lead;
                    if (vectors) {
                        for (int j = 0; j < span; j += L) {
                            FloatVector.fromArray(S, x, src + j).intoArray(dst, row + j);
                        }
                    } else if (n > 0) {
                        System.arraycopy(x, src, dst, row, n);
                    }
                    int z = lead + n;
                    do { // the right border, and what the last vector wrote past the row's values
                        zero.intoArray(dst, rowStart + z);
                        z += L;
                    } while (z < ow);
                }
                for (int z = start + (ph + h) * ow; z < start + plane; z += L) {
                    zero.intoArray(dst, z);
                }
            }
        }
        return at + kw * channels * plane;
    }
}
