package dev.panagrad.engine.backend.simd;

import dev.panagrad.engine.backend.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Batch-normalisation kernels over [batch, channels, spatial]. The per-channel statistics and gradient
 * sums are taken by blocks of images, one block per task: each block's sum for every channel, then the
 * blocks' sums added in block order. The blocks depend on the batch alone, so the bits never depend on
 * the thread count; and a thread reads the images it wrote in the op before, as every per-image kernel
 * here divides the batch the same way ({@code Parallel}), where one channel per task would read every
 * image from both cores. The element-wise passes run over (image, channel) rows of {@code spatial}
 * contiguous values. The math they implement is written out in {@code engine.ops.BatchNormalization}.
 */
final class SimdBatchNorm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Image blocks for the channel sums: enough for 16 threads, few enough that adding them costs nothing. */
    static final int MAX_IMAGE_BLOCKS = 16;

    private SimdBatchNorm() {
    }

    static void statistics(float[] x, int batch, int channels, int spatial, float[] mean, float[] var) {
        int count = batch * spatial;
        int blocks = imageBlocks(batch);
        float[] partial = new float[blocks * channels];
        forImageBlocks(batch, channels, spatial, (b, n0, n1) -> {
            for (int c = 0; c < channels; c++) {
                partial[b * channels + c] = sum(x, n0, n1, channels, spatial, c);
            }
        });
        SimdConvolution.sumChunks(partial, blocks, channels, mean);
        for (int c = 0; c < channels; c++) {
            mean[c] /= count;
        }
        forImageBlocks(batch, channels, spatial, (b, n0, n1) -> {
            for (int c = 0; c < channels; c++) {
                partial[b * channels + c] = squaredDeviations(x, n0, n1, channels, spatial, c, mean[c]);
            }
        });
        SimdConvolution.sumChunks(partial, blocks, channels, var);
        for (int c = 0; c < channels; c++) {
            var[c] /= count;
        }
    }

    static void affine(float[] x, int batch, int channels, int spatial, float[] scale, float[] shift, float[] y) {
        affine(x, batch, channels, spatial, scale, shift, y, false);
    }

    /** {@code y = max(x scale + shift, 0)}, in the same pass. */
    static void affineRelu(float[] x, int batch, int channels, int spatial, float[] scale, float[] shift, float[] y) {
        affine(x, batch, channels, spatial, scale, shift, y, true);
    }

    private static void affine(float[] x, int batch, int channels, int spatial, float[] scale, float[] shift,
                               float[] y, boolean relu) {
        int rows = batch * channels;
        Parallel.forRange(rows, Math.max(1, SimdMaps.GRAIN / Math.max(1, spatial)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int c = r % channels;
                FloatVector a = FloatVector.broadcast(S, scale[c]);
                FloatVector b = FloatVector.broadcast(S, shift[c]);
                int base = r * spatial;
                int i = 0;
                if (relu) {
                    for (int end = S.loopBound(spatial); i < end; i += L) {
                        FloatVector.fromArray(S, x, base + i).fma(a, b).max(0f).intoArray(y, base + i);
                    }
                    for (; i < spatial; i++) {
                        y[base + i] = Math.max(x[base + i] * scale[c] + shift[c], 0f);
                    }
                } else {
                    for (int end = S.loopBound(spatial); i < end; i += L) {
                        FloatVector.fromArray(S, x, base + i).fma(a, b).intoArray(y, base + i);
                    }
                    for (; i < spatial; i++) {
                        y[base + i] = x[base + i] * scale[c] + shift[c];
                    }
                }
            }
        });
    }

    /**
     * Gradients of batch norm; with {@code relu} not null, of batch norm followed by a ReLU whose output
     * that is: each dy is read as {@code relu > 0 ? dy : 0}, and the masked gradient is never stored.
     */
    static void backward(float[] x, float[] relu, float[] gy, int batch, int channels, int spatial, float[] mean,
                         float[] invStd, float[] gamma, boolean training, float[] gx, float[] gGamma, float[] gBeta) {
        int count = batch * spatial;
        int blocks = imageBlocks(batch);
        float[] partialDy = new float[blocks * channels];
        float[] partialDyXhat = new float[blocks * channels];
        forImageBlocks(batch, channels, spatial, (b, n0, n1) -> {
            for (int c = 0; c < channels; c++) {
                gradientSums(gy, relu, x, n0, n1, channels, spatial, c, mean[c], partialDy, partialDyXhat, b * channels + c);
            }
        });
        float[] sumDy = new float[channels];
        float[] sumDyXhat = new float[channels];
        SimdConvolution.sumChunks(partialDy, blocks, channels, sumDy);
        SimdConvolution.sumChunks(partialDyXhat, blocks, channels, sumDyXhat);
        for (int c = 0; c < channels; c++) {
            sumDyXhat[c] *= invStd[c];
        }
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
                        dy(gy, relu, base + i).mul(vk).intoArray(gx, base + i);
                    }
                    for (; i < spatial; i++) {
                        gx[base + i] = k * dy1(gy, relu, base + i);
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
                    dy(gy, relu, base + i).fma(vk, t).intoArray(gx, base + i);
                }
                for (; i < spatial; i++) {
                    gx[base + i] = k * dy1(gy, relu, base + i) + a * x[base + i] + b;
                }
            }
        });
    }

    // The channel sums below keep four vectors of partial sums across all images and add them, then
    // their lanes, once at the end: on small planes (8 x 8 is 4 vectors a row) adding lanes per row cost
    // more than the row, and with a single vector each add waits for the one before it (3-4 cycles).

    /** Sum of channel c's values over images [n0, n1), in a fixed order. */
    private static float sum(float[] x, int n0, int n1, int channels, int spatial, int c) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        float tail = 0f;
        int end = S.loopBound(spatial);
        int end4 = spatial - spatial % (4 * L);
        for (int n = n0; n < n1; n++) {
            int base = (n * channels + c) * spatial;
            int i = 0;
            for (; i < end4; i += 4 * L) {
                a0 = a0.add(FloatVector.fromArray(S, x, base + i));
                a1 = a1.add(FloatVector.fromArray(S, x, base + i + L));
                a2 = a2.add(FloatVector.fromArray(S, x, base + i + 2 * L));
                a3 = a3.add(FloatVector.fromArray(S, x, base + i + 3 * L));
            }
            for (; i < end; i += L) {
                a0 = a0.add(FloatVector.fromArray(S, x, base + i));
            }
            for (; i < spatial; i++) {
                tail += x[base + i];
            }
        }
        return Lanes.sum(a0.add(a1).add(a2.add(a3))) + tail;
    }

    /** Sum of (x - m)^2 over channel c of images [n0, n1). */
    private static float squaredDeviations(float[] x, int n0, int n1, int channels, int spatial, int c, float m) {
        FloatVector vm = FloatVector.broadcast(S, m);
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        float tail = 0f;
        int end = S.loopBound(spatial);
        int end4 = spatial - spatial % (4 * L);
        for (int n = n0; n < n1; n++) {
            int base = (n * channels + c) * spatial;
            int i = 0;
            for (; i < end4; i += 4 * L) {
                FloatVector d0 = FloatVector.fromArray(S, x, base + i).sub(vm);
                FloatVector d1 = FloatVector.fromArray(S, x, base + i + L).sub(vm);
                FloatVector d2 = FloatVector.fromArray(S, x, base + i + 2 * L).sub(vm);
                FloatVector d3 = FloatVector.fromArray(S, x, base + i + 3 * L).sub(vm);
                a0 = d0.fma(d0, a0);
                a1 = d1.fma(d1, a1);
                a2 = d2.fma(d2, a2);
                a3 = d3.fma(d3, a3);
            }
            for (; i < end; i += L) {
                FloatVector d = FloatVector.fromArray(S, x, base + i).sub(vm);
                a0 = d.fma(d, a0);
            }
            for (; i < spatial; i++) {
                float d = x[base + i] - m;
                tail += d * d;
            }
        }
        return Lanes.sum(a0.add(a1).add(a2.add(a3))) + tail;
    }

    /**
     * Channel c's two gradient sums over images [n0, n1) in one pass over gy and x: {@code sums[at] = sum
     * of gy} and {@code centred[at] = sum of gy (x - m)}.
     */
    private static void gradientSums(float[] gy, float[] relu, float[] x, int n0, int n1, int channels, int spatial,
                                     int c, float m, float[] sums, float[] centred, int at) {
        FloatVector vm = FloatVector.broadcast(S, m);
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = FloatVector.zero(S);
        FloatVector d0 = FloatVector.zero(S);
        FloatVector d1 = FloatVector.zero(S);
        float sTail = 0f;
        float dTail = 0f;
        int end = S.loopBound(spatial);
        int end2 = spatial - spatial % (2 * L);
        for (int n = n0; n < n1; n++) {
            int base = (n * channels + c) * spatial;
            int i = 0;
            for (; i < end2; i += 2 * L) {
                FloatVector g0 = dy(gy, relu, base + i);
                FloatVector g1 = dy(gy, relu, base + i + L);
                s0 = s0.add(g0);
                s1 = s1.add(g1);
                d0 = FloatVector.fromArray(S, x, base + i).sub(vm).fma(g0, d0);
                d1 = FloatVector.fromArray(S, x, base + i + L).sub(vm).fma(g1, d1);
            }
            for (; i < end; i += L) {
                FloatVector g = dy(gy, relu, base + i);
                s0 = s0.add(g);
                d0 = FloatVector.fromArray(S, x, base + i).sub(vm).fma(g, d0);
            }
            for (; i < spatial; i++) {
                float g = dy1(gy, relu, base + i);
                sTail += g;
                dTail += g * (x[base + i] - m);
            }
        }
        sums[at] = Lanes.sum(s0.add(s1)) + sTail;
        centred[at] = Lanes.sum(d0.add(d1)) + dTail;
    }

    /** L values of dy from i, through the ReLU with output relu when there is one (as UnaryOp.RELU's grad). */
    private static FloatVector dy(float[] gy, float[] relu, int i) {
        FloatVector g = FloatVector.fromArray(S, gy, i);
        return relu == null ? g
                : FloatVector.zero(S).blend(g, FloatVector.fromArray(S, relu, i).compare(VectorOperators.GT, 0f));
    }

    private static float dy1(float[] gy, float[] relu, int i) {
        return relu == null || relu[i] > 0f ? gy[i] : 0f;
    }

    private static int imageBlocks(int batch) {
        return Math.min(batch, MAX_IMAGE_BLOCKS);
    }

    /** A task over the images [n0, n1) of block b. */
    private interface ImageBlock {
        void run(int b, int n0, int n1);
    }

    /** Runs {@code body} for every image block, in parallel when the tensor is large enough. */
    private static void forImageBlocks(int batch, int channels, int spatial, ImageBlock body) {
        int blocks = imageBlocks(batch);
        Parallel.Range r = (b0, b1) -> {
            for (int b = b0; b < b1; b++) {
                body.run(b, (int) ((long) batch * b / blocks), (int) ((long) batch * (b + 1) / blocks));
            }
        };
        if ((long) batch * channels * spatial >= SimdMaps.GRAIN && blocks > 1) {
            Parallel.forEach(blocks, r);
        } else {
            r.run(0, blocks);
        }
    }
}
