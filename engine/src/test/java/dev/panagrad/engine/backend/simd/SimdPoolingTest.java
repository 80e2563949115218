package dev.panagrad.engine.backend.simd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.panagrad.engine.backend.PoolGeometry;
import dev.panagrad.engine.backend.PoolingPlanes;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Max pooling with branch-free maxima gives the reference's bits, ties, signed zeros and NaNs included. */
@Tag("kernels")
class SimdPoolingTest {
    /** Few distinct values, so windows hold ties, both zeros and NaNs of two payloads. */
    private static final float[] VALUES = {-0f, 0f, 1f, 2f, -1f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.intBitsToFloat(0x7fc00001), Float.intBitsToFloat(0x7fc00002), 3f, 3f, 3f};

    @ParameterizedTest(name = "{0} planes of {1} x {2}, kernel {3} x {4}, stride {5} x {6}, padding {7} x {8}")
    @CsvSource({
        "3, 7, 6, 3, 3, 2, 2, 1, 1",
        "2, 9, 11, 2, 3, 1, 2, 1, 1",
        "2, 13, 37, 3, 3, 2, 2, 1, 1",
        "1, 5, 70, 3, 2, 1, 1, 1, 0",
        "2, 8, 8, 2, 2, 2, 2, 0, 0",
    })
    void forwardAndBackwardHaveTheReferencesBits(int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw) {
        PoolGeometry g = new PoolGeometry(1, planes, h, w, kh, kw, sh, sw, ph, pw);
        Random rng = new Random(planes * 31 + w);
        for (int trial = 0; trial < 4; trial++) {
            float[] x = new float[planes * h * w];
            for (int i = 0; i < x.length; i++) {
                // trial 0: ties and specials everywhere; later trials: mostly ordinary values with some specials
                x[i] = trial == 0 || rng.nextInt(4) == 0 ? VALUES[rng.nextInt(VALUES.length)] : (float) rng.nextGaussian();
            }
            float[] gy = new float[planes * g.outH() * g.outW()];
            for (int i = 0; i < gy.length; i++) {
                gy[i] = (float) rng.nextGaussian();
            }
            float[] expectedOut = new float[gy.length];
            float[] out = new float[gy.length];
            float[] expectedGx = new float[x.length];
            float[] gx = new float[x.length];
            java.util.Arrays.fill(gx, Float.NaN); // every value must be written
            for (int p = 0; p < planes; p++) {
                PoolingPlanes.maxPoolPlane(g, x, expectedOut, p);
                SimdPooling.maxPoolPlane(g, x, out, p);
                PoolingPlanes.maxPoolBackwardPlane(g, x, gy, expectedGx, p);
                SimdPooling.maxPoolBackwardPlane(g, x, gy, gx, p);
            }
            assertThat(bits(out)).as("forward, trial %d", trial).containsExactly(bits(expectedOut));
            assertThat(bits(gx)).as("backward, trial %d", trial).containsExactly(bits(expectedGx));
        }
    }

    private static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.floatToRawIntBits(a[i]);
        }
        return b;
    }
}
