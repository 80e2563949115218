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
        int[] targets = new int[L];
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
}
