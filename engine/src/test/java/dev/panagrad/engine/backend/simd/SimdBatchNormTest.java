package dev.panagrad.engine.backend.simd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.panagrad.engine.backend.Parallel;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The channel sums of batch norm, taken by blocks of images, never depend on the thread count. */
class SimdBatchNormTest {
    private static final int BATCH = 37; // 16 blocks of 2 or 3 images
    private static final int CHANNELS = 5;
    private static final int SPATIAL = 200; // 37 000 values: enough to run in parallel

    private final int original = Parallel.threads();

    @AfterEach
    void restore() {
        Parallel.setThreads(original);
    }

    @Test
    void statisticsAndGradientsHaveTheSameBitsOnOneTwoAndThreeThreads() {
        float[] one = statisticsAndGradients(1);
        assertThat(statisticsAndGradients(2)).containsExactly(one);
        assertThat(statisticsAndGradients(3)).containsExactly(one);
    }

    @Test
    void theMeanIsTheSumOfEveryImageOverTheCount() {
        float[] x = data(1);
        float[] mean = new float[CHANNELS];
        float[] var = new float[CHANNELS];
        SimdBatchNorm.statistics(x, BATCH, CHANNELS, SPATIAL, mean, var);
        for (int c = 0; c < CHANNELS; c++) {
            double sum = 0;
            double sumAbs = 0;
            for (int n = 0; n < BATCH; n++) {
                for (int i = 0; i < SPATIAL; i++) {
                    sum += x[(n * CHANNELS + c) * SPATIAL + i];
                    sumAbs += Math.abs(x[(n * CHANNELS + c) * SPATIAL + i]);
                }
            }
            int count = BATCH * SPATIAL;
            // float sums of count terms: within count * u * sum |terms|, divided by the count
            assertThat((double) mean[c]).isCloseTo(sum / count, org.assertj.core.data.Offset.offset(sumAbs * 0x1p-24));
        }
    }

    private static float[] statisticsAndGradients(int threads) {
        Parallel.setThreads(threads);
        float[] x = data(1);
        float[] gy = data(2);
        float[] relu = data(3);
        float[] mean = new float[CHANNELS];
        float[] var = new float[CHANNELS];
        SimdBatchNorm.statistics(x, BATCH, CHANNELS, SPATIAL, mean, var);
        float[] invStd = new float[CHANNELS];
        float[] gamma = new float[CHANNELS];
        for (int c = 0; c < CHANNELS; c++) {
            invStd[c] = (float) (1 / Math.sqrt(var[c] + 1e-5));
            gamma[c] = 0.5f + c;
        }
        float[] gx = new float[x.length];
        float[] gGamma = new float[CHANNELS];
        float[] gBeta = new float[CHANNELS];
        SimdBatchNorm.backward(x, relu, gy, BATCH, CHANNELS, SPATIAL, mean, invStd, gamma, true, gx, gGamma, gBeta);
        float[] out = new float[2 * CHANNELS + x.length + 2 * CHANNELS];
        System.arraycopy(mean, 0, out, 0, CHANNELS);
        System.arraycopy(var, 0, out, CHANNELS, CHANNELS);
        System.arraycopy(gx, 0, out, 2 * CHANNELS, x.length);
        System.arraycopy(gGamma, 0, out, 2 * CHANNELS + x.length, CHANNELS);
        System.arraycopy(gBeta, 0, out, 3 * CHANNELS + x.length, CHANNELS);
        return out;
    }

    private static float[] data(int seed) {
        Random rng = new Random(seed);
        float[] a = new float[BATCH * CHANNELS * SPATIAL];
        for (int i = 0; i < a.length; i++) {
            a[i] = 2f + (float) rng.nextGaussian();
        }
        return a;
    }
}
