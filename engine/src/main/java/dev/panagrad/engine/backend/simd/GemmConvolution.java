package dev.panagrad.engine.backend.simd;

import dev.panagrad.engine.backend.HostArrayPool;
import dev.panagrad.engine.backend.ConvGeometry;
import dev.panagrad.engine.backend.Parallel;
import dev.panagrad.engine.backend.ReduceOp;
import java.util.Arrays;

/**
 * Convolution as matrix products, one image and group at a time:
 * <ul>
 *   <li>forward: {@code out[n, g] = W[g] (Og x K) . col(x[n, g]) (K x P)}, where the im2col matrix holds
 *       the K = Cg kH kW input values under each of the P = outH outW output positions;</li>
 *   <li>input gradient: {@code dcol = W[g]^T dY[n, g]}, then col2im adds each column back where im2col
 *       read it;</li>
 *   <li>weight gradient: {@code dW[g] = sum_n dY[n, g] col(x[n, g])^T}.</li>
 * </ul>
 * The im2col matrix is never stored: GEMM asks for it block by block in its packed layout
 * ({@link GemmKernel.PanelPacker}) and {@link Im2col}'s packers read the image directly. A 1 x 1
 * convolution with stride 1 and no padding needs no packing of its own: the image is already the
 * matrix. Images run in parallel, each product on one thread. The weight gradient sums images in a
 * fixed number of chunks, whatever the thread count, so its bits do not depend on it.
 */
final class GemmConvolution {
    /** Chunks of images for the weight gradient: partial sums per chunk, added in chunk order. */
    private static final int WEIGHT_CHUNKS = 8;
    private static final ThreadLocal<float[][]> COLUMNS = ThreadLocal.withInitial(() -> new float[1][0]);

    private GemmConvolution() {
    }

    static void forward(ConvGeometry g, float[] x, float[] w, float[] bias, float[] out) {
        int p = g.outH() * g.outW();
        int k = g.patchSize();
        int og = g.groupOutChannels();
        int cg = g.groupInChannels();
        int plane = g.inH() * g.inW();
        SimdConvolution.forEachImageAndGroup(g, (n, grp) -> {
            int outOff = (n * g.outChannels() + grp * og) * p;
            int xOff = (n * g.inChannels() + grp * cg) * plane;
            if (g.isPointwise()) {
                GemmKernel.gemm(false, false, og, p, k, 1f, w, grp * og * k, k, x, xOff, p, 0f, out, outOff, p);
            } else {
                GemmKernel.gemm(false, og, p, k, 1f, w, grp * og * k, k, Im2col.patchesByPosition(g, x, xOff), 0f, out, outOff, p);
            }
            if (bias != null) {
                for (int o = 0; o < og; o++) {
                    float b = bias[grp * og + o];
                    int row = outOff + o * p;
                    for (int i = 0; i < p; i++) {
                        out[row + i] += b;
                    }
                }
            }
        });
    }

    static void backwardInput(ConvGeometry g, float[] gy, float[] w, float[] gx) {
        int p = g.outH() * g.outW();
        int k = g.patchSize();
        int og = g.groupOutChannels();
        int cg = g.groupInChannels();
        int plane = g.inH() * g.inW();
        SimdConvolution.forEachImageAndGroup(g, (n, grp) -> {
            int gyOff = (n * g.outChannels() + grp * og) * p;
            int gxOff = (n * g.inChannels() + grp * cg) * plane;
            if (g.isPointwise()) {
                GemmKernel.gemm(true, false, k, p, og, 1f, w, grp * og * k, k, gy, gyOff, p, 0f, gx, gxOff, p);
            } else {
                float[] col = columns(k * p);
                GemmKernel.gemm(true, false, k, p, og, 1f, w, grp * og * k, k, gy, gyOff, p, 0f, col, 0, p);
                Arrays.fill(gx, gxOff, gxOff + cg * plane, 0f);
                Im2col.col2im(g, col, gx, gxOff);
            }
        });
    }

    static void backwardWeight(ConvGeometry g, float[] x, float[] gy, float[] gw, float[] gb) {
        int p = g.outH() * g.outW();
        int k = g.patchSize();
        int og = g.groupOutChannels();
        int cg = g.groupInChannels();
        int plane = g.inH() * g.inW();
        int weights = g.outChannels() * k;
        int chunks = Math.min(WEIGHT_CHUNKS, g.batch());
        float[] partialW = HostArrayPool.borrowZeroed(chunks * weights);
        float[] partialB = gb == null ? null : new float[chunks * g.outChannels()];
        Parallel.Range body = (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                int from = (int) ((long) g.batch() * c / chunks);
                int to = (int) ((long) g.batch() * (c + 1) / chunks);
                for (int n = from; n < to; n++) {
                    float beta = n == from ? 0f : 1f;
                    for (int grp = 0; grp < g.groups(); grp++) {
                        int gyOff = (n * g.outChannels() + grp * og) * p;
                        int xOff = (n * g.inChannels() + grp * cg) * plane;
                        int wOff = c * weights + grp * og * k;
                        if (g.isPointwise()) {
                            GemmKernel.gemm(false, true, og, k, p, 1f, gy, gyOff, p, x, xOff, p, beta, partialW, wOff, k);
                        } else {
                            GemmKernel.gemm(false, og, k, p, 1f, gy, gyOff, p, Im2col.positionsByPatch(g, x, xOff), beta,
                                    partialW, wOff, k);
                        }
                        if (partialB != null) {
                            for (int o = 0; o < og; o++) {
                                float sum = 0f;
                                int row = gyOff + o * p;
                                for (int i = 0; i < p; i++) {
                                    sum += gy[row + i];
                                }
                                partialB[c * g.outChannels() + grp * og + o] += sum;
                            }
                        }
                    }
                }
            }
        };
        if (chunks > 1) {
            Parallel.forEach(chunks, body);
        } else {
            body.run(0, chunks);
        }
        SimdConvolution.sumChunks(partialW, chunks, weights, gw);
        HostArrayPool.give(partialW);
        if (gb != null) {
            SimdConvolution.sumChunks(partialB, chunks, g.outChannels(), gb);
        }
    }

    /**
     * The weight gradient as one GEMM per group over the whole batch:
     * {@code dW[g] (Og x K) = dY'[g] (Og x N P) . col^T (N P x K)}, where dY' lays the output gradients
     * of all images side by side (a copy) and the transposed im2col matrix is packed straight from the
     * images. One long product instead of one per image: W-sized work is done once and the GEMM's
     * threads share it, which pays when images are small. The sum over images runs in GEMM's fixed k
     * order, so the bits do not depend on the thread count.
     */
    static void backwardWeightBatched(ConvGeometry g, float[] x, float[] gy, float[] gw, float[] gb) {
        int p = g.outH() * g.outW();
        int k = g.patchSize();
        int og = g.groupOutChannels();
        int cols = g.batch() * p;
        float[] dyt = columns(og * cols);
        for (int grp = 0; grp < g.groups(); grp++) {
            for (int n = 0; n < g.batch(); n++) {
                for (int o = 0; o < og; o++) {
                    System.arraycopy(gy, (n * g.outChannels() + grp * og + o) * p, dyt, o * cols + n * p, p);
                }
            }
            GemmKernel.gemm(false, og, k, cols, 1f, dyt, 0, cols, Im2col.positionsByPatchAcrossImages(g, x, grp), 0f,
                    gw, grp * og * k, k);
            if (gb != null) {
                for (int o = 0; o < og; o++) {
                    gb[grp * og + o] = SimdReductions.contiguous(ReduceOp.SUM, dyt,
                            o * cols, cols);
                }
            }
        }
    }

    /** This thread's im2col buffer, at least {@code size} floats. */
    private static float[] columns(int size) {
        return Scratch.atLeast(COLUMNS.get(), 0, size);
    }

}
