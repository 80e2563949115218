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
}
