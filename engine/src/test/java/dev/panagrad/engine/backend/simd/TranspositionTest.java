package dev.panagrad.engine.backend.simd;

import static org.assertj.core.api.Assertions.assertThat;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The 8-row transposition, checked element by element at whatever vector width the JVM runs. */
@Tag("kernels")
class TranspositionTest {
    private static final int L = FloatVector.SPECIES_PREFERRED.length();

    @Test
    void handlesExactlyTheWidthsThatHoldWholeRunsOfEight() {
        assertThat(Transposition.FITS).isEqualTo(L % 8 == 0);
        assertThat(Transposition.RUNS).isEqualTo(L / 8);
    }

    @Test
    void eachColumnOfTheBlockLandsAtItsTarget() {
        if (!Transposition.FITS) {
            return; // 128-bit vectors: the callers' scalar loops run instead (tested through them)
        }
        int stride = L + 3;
        float[] src = new float[5 + 8 * stride];
        for (int i = 0; i < src.length; i++) {
            src[i] = i;
        }
        // columns scattered in reverse order, 11 floats apart, after 2 floats that must stay untouched
        int[] targets = new int[L];
        for (int c = 0; c < L; c++) {
            targets[c] = 2 + 11 * (L - 1 - c);
        }
        float[] dst = new float[2 + 11 * L];
        java.util.Arrays.fill(dst, Float.NaN);

        Transposition.eightRows(src, 5, stride, dst, targets, null, 0);

        float[] expected = new float[dst.length];
        java.util.Arrays.fill(expected, Float.NaN);
        for (int c = 0; c < L; c++) {
            for (int j = 0; j < 8; j++) {
                expected[targets[c] + j] = 5 + j * stride + c; // element c of source row j
            }
        }
        assertThat(dst).containsExactly(expected);
    }

    @Test
    void addsEightFloatsPerColumnWhereAsked() {
        if (!Transposition.FITS) {
            return;
        }
        float[] src = new float[8 * L];
        java.util.Arrays.fill(src, 1f);
        int[] targets = new int[L];
        for (int c = 0; c < L; c++) {
            targets[c] = 8 * c;
        }
        float[] add = new float[3 + 8 * L];
        for (int i = 0; i < add.length; i++) {
            add[i] = 100 * i;
        }
        float[] dst = new float[8 * L];

        Transposition.eightRows(src, 0, L, dst, targets, add, 3);

        for (int i = 0; i < dst.length; i++) {
            assertThat(dst[i]).as("float %d", i).isEqualTo(1f + 100 * (3 + i));
        }
    }
}
