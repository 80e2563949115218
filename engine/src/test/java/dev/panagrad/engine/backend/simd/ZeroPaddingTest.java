package dev.panagrad.engine.backend.simd;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ZeroPaddingTest {
    /**
     * Every entry of the phase-split buffer against its definition: padded column col of row y of
     * channel c at {@code c plane + y row + (col % phases) wq + col / phases}, zero outside the image.
     * Widths from 1 to 70 cover rows shorter than two vectors, whole pairs of 512-bit vectors and tails.
     */
    @ParameterizedTest
    @CsvSource({"1, 0", "1, 1", "1, 2", "2, 0", "2, 1", "2, 2", "3, 1", "3, 2"})
    void copyPhasesPlacesEveryColumnInItsPhase(int phases, int pad) {
        for (int w = 1; w <= 70; w++) {
            int channels = 2;
            int h = 3;
            float[] x = new float[5 + channels * h * w];
            for (int i = 0; i < x.length; i++) {
                x[i] = i + 1;
            }
            int wq = (w + 2 * pad + phases - 1) / phases;
            int row = phases * wq;
            int plane = (h + 2 * pad) * row;
            int at = 3;
            float[] xpad = new float[at + channels * plane + 4];
            java.util.Arrays.fill(xpad, Float.NaN);

            int past = ZeroPadding.copyPhases(x, 5, channels, h, w, pad, pad, phases, xpad, at);

            assertThat(past).as("width %d: index past the planes", w).isEqualTo(at + channels * plane);

            float[] expected = new float[xpad.length];
            java.util.Arrays.fill(expected, Float.NaN);
            java.util.Arrays.fill(expected, at, at + channels * plane, 0f);
            for (int c = 0; c < channels; c++) {
                for (int y = 0; y < h; y++) {
                    for (int j = 0; j < w; j++) {
                        int col = pad + j;
                        expected[at + c * plane + (pad + y) * row + (col % phases) * wq + col / phases] =
                                x[5 + (c * h + y) * w + j];
                    }
                }
            }
            assertThat(xpad).as("width %d", w).containsExactly(expected);
        }
    }
}
