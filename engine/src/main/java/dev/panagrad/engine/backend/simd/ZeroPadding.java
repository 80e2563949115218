package dev.panagrad.engine.backend.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Copies image planes into a buffer with a zero border, the layout the direct and channel-vector
 * convolutions read their taps from. The whole region is cleared in one fill and each row is then
 * copied with whole vectors (a half-width vector for a row of 8 under AVX-512): on the 8 x 8 and
 * 16 x 16 planes of CIFAR ResNets, a {@code System.arraycopy} and an {@code Arrays.fill} per row, or
 * scalar loops of a few iterations, made padding a tenth of a training step.
 */
final class ZeroPadding {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Half the preferred width, where that is still a native vector (8 floats or more). */
    private static final VectorSpecies<Float> HALF = L >= 16 ? FloatVector.SPECIES_256 : null;

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
                if (HALF != null && j <= w - 8) {
                    FloatVector.fromArray(HALF, x, src + j).intoArray(xpad, dst + j);
                    j += 8;
                }
                for (; j < w; j++) {
                    xpad[dst + j] = x[src + j];
                }
            }
        }
    }
}
