package dev.panagrad.engine.backend.simd;

import dev.panagrad.engine.Parallel;
import dev.panagrad.engine.backend.ReduceOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Batch-normalisation kernels over [batch, channels, spatial]: per-channel statistics and gradient sums
 * run one channel per task (each channel's sums in a fixed order), and the element-wise passes run
 * over (image, channel) rows of {@code spatial} contiguous values.
 */
final class SimdBatchNorm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private SimdBatchNorm() {
    }

    static void statistics(float[] x, int batch, int channels, int spatial, float[] mean, float[] var) {
        int count = batch * spatial;
        forChannels(channels, batch * spatial, c -> {
            float sum = 0f;
            for (int n = 0; n < batch; n++) {
                sum += SimdReductions.contiguous(ReduceOp.SUM, x, (n * channels + c) * spatial, spatial);
            }
            float m = sum / count;
            float sq = 0f;
            for (int n = 0; n < batch; n++) {
                sq += squaredDeviations(x, (n * channels + c) * spatial, spatial, m);
            }
            mean[c] = m;
            var[c] = sq / count;
        });
    }

    static void affine(float[] x, int batch, int channels, int spatial, float[] scale, float[] shift, float[] y) {
        int rows = batch * channels;
        Parallel.forRange(rows, Math.max(1, SimdMaps.GRAIN / Math.max(1, spatial)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int c = r % channels;
                FloatVector a = FloatVector.broadcast(S, scale[c]);
                FloatVector b = FloatVector.broadcast(S, shift[c]);
                int base = r * spatial;
                int i = 0;
                for (int end = S.loopBound(spatial); i < end; i += L) {
                    FloatVector.fromArray(S, x, base + i).fma(a, b).intoArray(y, base + i);
                }
                for (; i < spatial; i++) {
                    y[base + i] = x[base + i] * scale[c] + shift[c];
                }
            }
        });
    }

    static void backward(float[] x, float[] gy, int batch, int channels, int spatial, float[] mean, float[] invStd,
                         float[] gamma, boolean training, float[] gx, float[] gGamma, float[] gBeta) {
        int count = batch * spatial;
        float[] sumDy = new float[channels];
        float[] sumDyXhat = new float[channels];
        forChannels(channels, count, c -> {
            float m = mean[c];
            float s = 0f;
            float sx = 0f;
            for (int n = 0; n < batch; n++) {
                int base = (n * channels + c) * spatial;
                s += SimdReductions.contiguous(ReduceOp.SUM, gy, base, spatial);
                sx += dotCentred(gy, x, base, spatial, m);
            }
            sumDy[c] = s;
            sumDyXhat[c] = sx * invStd[c];
        });
        if (gGamma != null) {
            System.arraycopy(sumDyXhat, 0, gGamma, 0, channels);
        }
        if (gBeta != null) {
            System.arraycopy(sumDy, 0, gBeta, 0, channels);
        }
        if (gx == null) {
            return;
        }
        int rows = batch * channels;
        Parallel.forRange(rows, Math.max(1, SimdMaps.GRAIN / Math.max(1, spatial)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int c = r % channels;
                float is = invStd[c];
                float k = (gamma == null ? 1f : gamma[c]) * is;
                int base = r * spatial;
                if (!training) {
                    FloatVector vk = FloatVector.broadcast(S, k);
                    int i = 0;
                    for (int end = S.loopBound(spatial); i < end; i += L) {
                        FloatVector.fromArray(S, gy, base + i).mul(vk).intoArray(gx, base + i);
                    }
                    for (; i < spatial; i++) {
                        gx[base + i] = k * gy[base + i];
                    }
                    continue;
                }
                // gx = k (dy - sumDy / count - (x - mean) is sumDyXhat / count) = k dy + a x + b
                float a = -k * is * sumDyXhat[c] / count;
                float b = -k * sumDy[c] / count - a * mean[c];
                FloatVector vk = FloatVector.broadcast(S, k);
                FloatVector va = FloatVector.broadcast(S, a);
                FloatVector vb = FloatVector.broadcast(S, b);
                int i = 0;
                for (int end = S.loopBound(spatial); i < end; i += L) {
                    FloatVector t = FloatVector.fromArray(S, x, base + i).fma(va, vb);
                    FloatVector.fromArray(S, gy, base + i).fma(vk, t).intoArray(gx, base + i);
                }
                for (; i < spatial; i++) {
                    gx[base + i] = k * gy[base + i] + a * x[base + i] + b;
                }
            }
        });
    }

    private static float squaredDeviations(float[] x, int base, int n, float m) {
        FloatVector vm = FloatVector.broadcast(S, m);
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector d = FloatVector.fromArray(S, x, base + i).sub(vm);
            acc = d.fma(d, acc);
        }
        float sum = Lanes.sum(acc);
        for (; i < n; i++) {
            float d = x[base + i] - m;
            sum += d * d;
        }
        return sum;
    }

    /** sum of gy (x - m) over a contiguous run. */
    private static float dotCentred(float[] gy, float[] x, int base, int n, float m) {
        FloatVector vm = FloatVector.broadcast(S, m);
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector d = FloatVector.fromArray(S, x, base + i).sub(vm);
            acc = d.fma(FloatVector.fromArray(S, gy, base + i), acc);
        }
        float sum = Lanes.sum(acc);
        for (; i < n; i++) {
            sum += gy[base + i] * (x[base + i] - m);
        }
        return sum;
    }

    private static void forChannels(int channels, int perChannel, java.util.function.IntConsumer body) {
        Parallel.Range r = (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                body.accept(c);
            }
        };
        if ((long) channels * perChannel >= SimdMaps.GRAIN && channels > 1) {
            Parallel.forEach(channels, r);
        } else {
            r.run(0, channels);
        }
    }
}
