package dev.panagrad.engine.backend.simd;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Tag("kernels")
class ZeroPaddingTest {
    /**
     * Every entry of the channels-last copy against its definition: (c, y, j) at {@code ((y + pad) wp +
     * pad + j) channels + c}, zero elsewhere. Channel counts around multiples of 8 and widths from 1 to 37
     * cover whole transposed blocks, blocks that run over a row's end, and the channels and positions
     * left over.
     */
    @ParameterizedTest
    @CsvSource({"1, 0", "3, 1", "8, 1", "13, 2", "16, 1", "19, 0"})
    void copyChannelsLastPlacesEveryValue(int channels, int pad) {
        for (int w = 1; w <= 37; w += 3) {
            int h = 5;
            float[] x = new float[7 + channels * h * w];
            for (int i = 0; i < x.length; i++) {
                x[i] = i + 1;
            }
            int wp = w + 2 * pad;
            int size = (h + 2 * pad) * wp * channels;
            int at = 4;
            float[] xpad = new float[at + size + 5];
            java.util.Arrays.fill(xpad, Float.NaN);

            int past = ZeroPadding.copyChannelsLast(x, 7, channels, h, w, pad, pad, xpad, at);

            assertThat(past).as("width %d: index past the image", w).isEqualTo(at + size);
            float[] expected = new float[xpad.length];
            java.util.Arrays.fill(expected, Float.NaN);
            java.util.Arrays.fill(expected, at, at + size, 0f);
            for (int c = 0; c < channels; c++) {
                for (int y = 0; y < h; y++) {
                    for (int j = 0; j < w; j++) {
                        expected[at + ((y + pad) * wp + pad + j) * channels + c] = x[7 + (c * h + y) * w + j];
                    }
                }
            }
            assertThat(xpad).as("width %d", w).containsExactly(expected);
        }
    }

    /**
     * Every entry of the shifted copies against their definition: (c, y, j) in the copy for kx at
     * {@code ((kx channels + c) hp + y + ph) ow + j + pw - kx} where that column is in [0, ow), zero
     * elsewhere; the floats before {@code at} untouched, and nothing written more than one vector past
     * the returned index. The image sits at the very end of x, so the last rows cannot be read as
     * whole vectors.
     */
    @ParameterizedTest
    @CsvSource({"3, 1, 1", "3, 0, 2", "3, 2, 3", "1, 0, 2", "5, 2, 1", "3, 9, 1"})
    void copyShiftedPlacesEveryValueInEachCopy(int kw, int pad, int channels) {
        int vector = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        for (int w = Math.max(1, kw - 2 * pad); w <= 37; w += 4) {
            int h = 3;
            int hp = h + 2 * pad;
            int ow = w + 2 * pad - kw + 1;
            float[] x = new float[7 + channels * h * w];
            for (int i = 0; i < x.length; i++) {
                x[i] = i + 1;
            }
            int size = kw * channels * hp * ow;
            int at = 3;
            float[] dst = new float[at + size + vector + 4];
            java.util.Arrays.fill(dst, Float.NaN);

            int past = ZeroPadding.copyShifted(x, 7, channels, h, w, pad, pad, kw, dst, at);

            assertThat(past).as("width %d: index past the copies", w).isEqualTo(at + size);
            float[] expected = new float[at + size];
            java.util.Arrays.fill(expected, Float.NaN);
            java.util.Arrays.fill(expected, at, at + size, 0f);
            for (int kx = 0; kx < kw; kx++) {
                for (int c = 0; c < channels; c++) {
                    for (int y = 0; y < h; y++) {
                        for (int j = 0; j < w; j++) {
                            int col = j + pad - kx;
                            if (col >= 0 && col < ow) {
                                expected[at + ((kx * channels + c) * hp + y + pad) * ow + col] = x[7 + (c * h + y) * w + j];
                            }
                        }
                    }
                }
            }
            assertThat(java.util.Arrays.copyOf(dst, at + size)).as("width %d", w).containsExactly(expected);
            for (int i = at + size + vector; i < dst.length; i++) {
                assertThat(dst[i]).as("width %d: float %d, more than a vector past the copies", w, i).isNaN();
            }
        }
    }
}
