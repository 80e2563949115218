package dev.panagrad.engine.backend.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Copies image planes into a buffer with a zero border, the layout the direct and channel-vector
 * convolutions read their taps from. The whole region is cleared in one fill and each row is then
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
    /** Of two vectors a, b side by side, the lanes at even positions; indexes past a pick from b. */
    private static final VectorShuffle<Float> EVEN_LANES = everyOther(S, 0);
    /** Of two vectors side by side, the lanes at odd positions. */
    private static final VectorShuffle<Float> ODD_LANES = everyOther(S, 1);
    /** Of one vector, its even lanes into the first half (the second half repeats them). */
    private static final VectorShuffle<Float> EVEN_OF_ONE = VectorShuffle.fromOp(S, j -> 2 * j % L);
    /** Of one vector, its odd lanes into the first half (the second half repeats them). */
    private static final VectorShuffle<Float> ODD_OF_ONE = VectorShuffle.fromOp(S, j -> (2 * j + 1) % L);

    private ZeroPadding() {
    }

    /** Lane j takes position 2 j + first of two vectors side by side (an index past the first picks from the second). */
    private static VectorShuffle<Float> everyOther(VectorSpecies<Float> species, int first) {
        int n = species.length();
        return VectorShuffle.fromOp(species, j -> 2 * j + first < n ? 2 * j + first : 2 * j + first - 2 * n);
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
     * {@link #copy} with each padded row split into {@code phases} runs of every {@code phases}-th
     * column: padded column {@code col} of a row goes to {@code (col % phases) * wq + col / phases},
     * where {@code wq = ceil((w + 2 pw) / phases)}, and a row takes {@code phases * wq} floats. Columns
     * {@code s} apart then lie side by side, so a convolution of stride {@code s = phases} reads
     * neighbouring output positions from neighbouring floats. One phase is {@link #copy}.
     *
     * @return the index just past the planes written
     */
    static int copyPhases(float[] x, int xOff, int channels, int h, int w, int ph, int pw, int phases, float[] xpad,
                          int at) {
        int wq = (w + 2 * pw + phases - 1) / phases;
        int row = phases * wq;
        int plane = (h + 2 * ph) * row;
        int end = at + channels * plane;
        if (phases == 1) {
            copy(x, xOff, channels, h, w, ph, pw, xpad, at);
            return end;
        }
        java.util.Arrays.fill(xpad, at, end, 0f);
        int src = xOff;
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < h; y++, src += w) {
                int dst = at + c * plane + (ph + y) * row;
                int j = 0;
                if (phases == 2) {
                    // 2 L values split with two shuffles: those at even j go where column pw goes, those
                    // at odd j where column pw + 1 goes, each to consecutive places.
                    int first = dst + (pw % 2) * wq + pw / 2;
                    int second = dst + ((pw + 1) % 2) * wq + (pw + 1) / 2;
                    for (; j <= w - 2 * L; j += 2 * L, first += L, second += L) {
                        FloatVector a = FloatVector.fromArray(S, x, src + j);
                        FloatVector b = FloatVector.fromArray(S, x, src + j + L);
                        a.rearrange(EVEN_LANES, b).intoArray(xpad, first);
                        a.rearrange(ODD_LANES, b).intoArray(xpad, second);
                    }
                    if (FIRST_HALF != null && j <= w - L) { // rows of 16 under AVX-512: one vector, two halves
                        FloatVector a = FloatVector.fromArray(S, x, src + j);
                        a.rearrange(EVEN_OF_ONE).intoArray(xpad, first, FIRST_HALF);
                        a.rearrange(ODD_OF_ONE).intoArray(xpad, second, FIRST_HALF);
                        j += L;
                    }
                }
                for (; j < w; j++) {
                    int col = pw + j;
                    xpad[dst + (col % phases) * wq + col / phases] = x[src + j];
                }
            }
        }
        return end;
    }
}
