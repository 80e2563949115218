package dev.panagrad.engine.backend.simd;

import dev.panagrad.engine.backend.Parallel;
import dev.panagrad.engine.backend.ConvGeometry;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

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
 * ({@link GemmKernel.PanelPacker}) and the packers below read the image directly. A 1 x 1 convolution
 * with stride 1 and no padding needs no packing of its own: the image is already the matrix.
 * Images run in parallel, each product on one thread. The weight gradient sums images in a fixed
 * number of chunks, whatever the thread count, so its bits do not depend on it.
 */
final class SimdConvolution {
    /** Chunks of images for the weight gradient: partial sums per chunk, added in chunk order. */
    private static final int WEIGHT_CHUNKS = 8;
    /** Output planes this small take the batched weight gradient. */
    private static final int SMALL_IMAGE = 64;
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final ThreadLocal<float[][]> COLUMNS = ThreadLocal.withInitial(() -> new float[1][0]);

    private SimdConvolution() {
    }

    static void forward(ConvGeometry g, float[] x, float[] w, float[] bias, float[] out) {
        if (ChannelConvolution.suits(g)) {
            ChannelConvolution.forward(g, x, w, bias, out);
            return;
        }
        if (DirectConvolution.supports(g) && !g.isPointwise()) {
            DirectConvolution.forward(g, x, w, bias, out);
            return;
        }
        int p = g.outH() * g.outW();
        int k = g.patchSize();
        int og = g.groupOutChannels();
        int cg = g.groupInChannels();
        int plane = g.inH() * g.inW();
        forEachImageAndGroup(g, (n, grp) -> {
            int outOff = (n * g.outChannels() + grp * og) * p;
            int xOff = (n * g.inChannels() + grp * cg) * plane;
            if (g.isPointwise()) {
                GemmKernel.gemm(false, false, og, p, k, 1f, w, grp * og * k, k, x, xOff, p, 0f, out, outOff, p);
            } else {
                GemmKernel.gemm(false, og, p, k, 1f, w, grp * og * k, k, patchesByPosition(g, x, xOff), 0f, out, outOff, p);
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
        if (ChannelConvolution.suitsInputGradient(g)) {
            ChannelConvolution.backwardInput(g, gy, w, gx);
            return;
        }
        if (DirectConvolution.supportsInputGradient(g) && !g.isPointwise()) {
            DirectConvolution.backwardInput(g, gy, w, gx);
            return;
        }
        int p = g.outH() * g.outW();
        int k = g.patchSize();
        int og = g.groupOutChannels();
        int cg = g.groupInChannels();
        int plane = g.inH() * g.inW();
        forEachImageAndGroup(g, (n, grp) -> {
            int gyOff = (n * g.outChannels() + grp * og) * p;
            int gxOff = (n * g.inChannels() + grp * cg) * plane;
            if (g.isPointwise()) {
                GemmKernel.gemm(true, false, k, p, og, 1f, w, grp * og * k, k, gy, gyOff, p, 0f, gx, gxOff, p);
            } else {
                float[] col = columns(k * p);
                GemmKernel.gemm(true, false, k, p, og, 1f, w, grp * og * k, k, gy, gyOff, p, 0f, col, 0, p);
                java.util.Arrays.fill(gx, gxOff, gxOff + cg * plane, 0f);
                col2im(g, col, gx, gxOff);
            }
        });
    }

    static void backwardWeight(ConvGeometry g, float[] x, float[] gy, float[] gw, float[] gb) {
        if (ChannelConvolution.suitsWeightGradient(g)) {
            ChannelConvolution.backwardWeight(g, x, gy, gw, gb);
            return;
        }
        if (!g.isPointwise() && g.outH() * g.outW() <= SMALL_IMAGE && g.batch() > 1) {
            // Measured on a ResNet-20's 8 x 8 stage (64 -> 64 channels, batch 64): 3.2 ms against 4.0 ms
            // for the direct kernel, whose rows of 8 leave AVX-512 vectors half empty.
            backwardWeightBatched(g, x, gy, gw, gb);
            return;
        }
        if (DirectConvolution.supports(g) && !g.isPointwise()) {
            DirectConvolution.backwardWeight(g, x, gy, gw, gb);
            return;
        }
        int p = g.outH() * g.outW();
        int k = g.patchSize();
        int og = g.groupOutChannels();
        int cg = g.groupInChannels();
        int plane = g.inH() * g.inW();
        int weights = g.outChannels() * k;
        int chunks = Math.min(WEIGHT_CHUNKS, g.batch());
        float[] partialW = new float[chunks * weights];
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
                            GemmKernel.gemm(false, og, k, p, 1f, gy, gyOff, p, positionsByPatch(g, x, xOff), beta,
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
        sumChunks(partialW, chunks, weights, gw);
        if (gb != null) {
            sumChunks(partialB, chunks, g.outChannels(), gb);
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
            GemmKernel.gemm(false, og, k, cols, 1f, dyt, 0, cols, positionsByPatchAcrossImages(g, x, grp), 0f,
                    gw, grp * og * k, k);
            if (gb != null) {
                for (int o = 0; o < og; o++) {
                    gb[grp * og + o] = SimdReductions.contiguous(dev.panagrad.engine.backend.ReduceOp.SUM, dyt,
                            o * cols, cols);
                }
            }
        }
    }

    /** out[i] = sum over c of partial[c * size + i], added in chunk order so the bits never vary. */
    static void sumChunks(float[] partial, int chunks, int size, float[] out) {
        // Split by index, so every entry still adds its chunks in order.
        Parallel.forRange(size, SimdMaps.GRAIN / Math.max(1, chunks), (i0, i1) -> {
            System.arraycopy(partial, i0, out, i0, i1 - i0);
            for (int c = 1; c < chunks; c++) {
                int off = c * size;
                for (int i = i0; i < i1; i++) {
                    out[i] += partial[off + i];
                }
            }
        });
    }

    /**
     * The im2col matrix as a GEMM B operand: row r is patch element (c, ky, kx), column j is output
     * position (oy, ox), and the entry is {@code x[c][oy sH - pH + ky dH][ox sW - pW + kx dW]}, 0 in the
     * padding. Consecutive positions along an output row read consecutive (stride 1) or evenly spaced
     * input values, so each row of a sliver is a few copies.
     */
    static GemmKernel.PanelPacker patchesByPosition(ConvGeometry g, float[] x, int xOff) {
        int ow = g.outW();
        int kk = g.kernelH() * g.kernelW();
        int nr = GemmKernel.panelWidth();
        return (p0, kc, j0, width, dst, off) -> {
            for (int r = 0; r < kc; r++) {
                int patch = p0 + r;
                int c = patch / kk;
                int ky = (patch % kk) / g.kernelW();
                int kx = patch % g.kernelW();
                int plane = xOff + c * g.inH() * g.inW();
                int dx = kx * g.dilationW() - g.padW();
                // Output columns whose input column lies inside the image: ox in [lo, hi).
                int lo = Math.min(ow, Math.max(0, ceilDiv(-dx, g.strideW())));
                int hi = Math.max(lo, Math.min(ow, ceilDiv(g.inW() - dx, g.strideW())));
                int row = off + r * nr;
                int oy = j0 / ow;
                int ox = j0 % ow;
                for (int filled = 0; filled < width; oy++, ox = 0) {
                    int run = Math.min(width - filled, ow - ox);
                    int d = row + filled - ox; // dst index of output column 0 of this output row
                    int iy = oy * g.strideH() - g.padH() + ky * g.dilationH();
                    if (iy < 0 || iy >= g.inH()) {
                        java.util.Arrays.fill(dst, d + ox, d + ox + run, 0f);
                    } else {
                        int a = Math.min(ox + run, Math.max(ox, lo));
                        int b = Math.max(a, Math.min(ox + run, hi));
                        java.util.Arrays.fill(dst, d + ox, d + a, 0f);
                        int src = plane + iy * g.inW() + dx;
                        if (g.strideW() == 1) {
                            System.arraycopy(x, src + a, dst, d + a, b - a);
                        } else {
                            for (int o = a; o < b; o++) {
                                dst[d + o] = x[src + o * g.strideW()];
                            }
                        }
                        java.util.Arrays.fill(dst, d + b, d + ox + run, 0f);
                    }
                    filled += run;
                }
                java.util.Arrays.fill(dst, row + width, row + nr, 0f);
            }
        };
    }

    /**
     * The transposed im2col matrix as a GEMM B operand (for the weight gradient): row p is output
     * position (oy, ox), column j is patch element (c, ky, kx). Filled one patch element (column) at a
     * time, walking the positions of each output row as one run of valid input columns.
     */
    static GemmKernel.PanelPacker positionsByPatch(ConvGeometry g, float[] x, int xOff) {
        return (p0, kc, j0, width, dst, off) -> packPositionsByPatch(g, x, xOff, p0, kc, j0, width, dst, off);
    }

    /**
     * {@link #positionsByPatch} over the output positions of all images of a batch, image after image:
     * row q is position {@code q % P} of image {@code q / P}; columns are the patch elements of group
     * {@code group}. A sliver's rows that cross from one image to the next are packed in two runs.
     */
    static GemmKernel.PanelPacker positionsByPatchAcrossImages(ConvGeometry g, float[] x, int group) {
        int positions = g.outH() * g.outW();
        int image = g.inChannels() * g.inH() * g.inW();
        int groupOff = group * g.groupInChannels() * g.inH() * g.inW();
        int nr = GemmKernel.panelWidth();
        return (p0, kc, j0, width, dst, off) -> {
            for (int q = p0; q < p0 + kc; ) {
                int n = q / positions;
                int local = q % positions;
                int run = Math.min(p0 + kc - q, positions - local);
                packPositionsByPatch(g, x, n * image + groupOff, local, run, j0, width, dst, off + (q - p0) * nr);
                q += run;
            }
        };
    }

    private static void packPositionsByPatch(ConvGeometry g, float[] x, int xOff, int p0, int kc, int j0, int width,
                                             float[] dst, int off) {
        int ow = g.outW();
        int kk = g.kernelH() * g.kernelW();
        int nr = GemmKernel.panelWidth();
        int sw = g.strideW();
        if (width < nr) {
            java.util.Arrays.fill(dst, off, off + kc * nr, 0f);
        }
        for (int j = 0; j < width; j++) {
            int patch = j0 + j;
            int plane = xOff + (patch / kk) * g.inH() * g.inW();
            int ky = (patch % kk) / g.kernelW();
            int dx = (patch % g.kernelW()) * g.dilationW() - g.padW();
            int lo = Math.min(ow, Math.max(0, ceilDiv(-dx, sw)));
            int hi = Math.max(lo, Math.min(ow, ceilDiv(g.inW() - dx, sw)));
            int oy = p0 / ow;
            int ox = p0 % ow;
            for (int done = 0; done < kc; oy++, ox = 0) {
                int run = Math.min(kc - done, ow - ox);
                int d = off + (done - ox) * nr + j; // dst index of output column 0 of this output row
                int iy = oy * g.strideH() - g.padH() + ky * g.dilationH();
                int a = Math.min(ox + run, Math.max(ox, lo));
                int b = Math.max(a, Math.min(ox + run, hi));
                if (iy < 0 || iy >= g.inH()) {
                    a = b = ox + run;
                    for (int o = ox; o < a; o++) {
                        dst[d + o * nr] = 0f;
                    }
                } else {
                    for (int o = ox; o < a; o++) {
                        dst[d + o * nr] = 0f;
                    }
                    int src = plane + iy * g.inW() + dx;
                    for (int o = a; o < b; o++) {
                        dst[d + o * nr] = x[src + o * sw];
                    }
                    for (int o = b; o < ox + run; o++) {
                        dst[d + o * nr] = 0f;
                    }
                }
                done += run;
            }
        }
    }

    /** The adjoint of im2col: adds every entry of {@code col} (K x P) back to the input position it came from. */
    static void col2im(ConvGeometry g, float[] col, float[] gx, int gxOff) {
        int oh = g.outH();
        int ow = g.outW();
        int p = oh * ow;
        int row = 0;
        for (int c = 0; c < g.groupInChannels(); c++) {
            int plane = gxOff + c * g.inH() * g.inW();
            for (int ky = 0; ky < g.kernelH(); ky++) {
                for (int kx = 0; kx < g.kernelW(); kx++, row++) {
                    int src = row * p;
                    int dx = kx * g.dilationW() - g.padW();
                    int lo = Math.min(ow, Math.max(0, ceilDiv(-dx, g.strideW())));
                    int hi = Math.max(lo, Math.min(ow, ceilDiv(g.inW() - dx, g.strideW())));
                    for (int oy = 0; oy < oh; oy++, src += ow) {
                        int iy = oy * g.strideH() - g.padH() + ky * g.dilationH();
                        if (iy < 0 || iy >= g.inH()) {
                            continue;
                        }
                        int dst = plane + iy * g.inW() + dx;
                        int sw = g.strideW();
                        if (sw == 1) {
                            addRun(col, src + lo, gx, dst + lo, hi - lo);
                        } else {
                            for (int ox = lo; ox < hi; ox++) {
                                gx[dst + ox * sw] += col[src + ox];
                            }
                        }
                    }
                }
            }
        }
    }

    /** {@code dst[d, d + n) += src[s, s + n)}. */
    private static void addRun(float[] src, int s, float[] dst, int d, int n) {
        int i = 0;
        for (int end = SPECIES.loopBound(n); i < end; i += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, dst, d + i).add(FloatVector.fromArray(SPECIES, src, s + i)).intoArray(dst, d + i);
        }
        for (; i < n; i++) {
            dst[d + i] += src[s + i];
        }
    }

    interface ImageTask {
        void run(int image, int group);
    }

    /** Runs one task per (image, group), in parallel when there are several. */
    static void forEachImageAndGroup(ConvGeometry g, ImageTask task) {
        int tasks = g.batch() * g.groups();
        Parallel.Range body = (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                task.run(t / g.groups(), t % g.groups());
            }
        };
        if (tasks > 1 && Parallel.threads() > 1) {
            Parallel.forEach(tasks, body);
        } else {
            body.run(0, tasks);
        }
    }

    /** This thread's im2col buffer, at least {@code size} floats. */
    private static float[] columns(int size) {
        float[][] holder = COLUMNS.get();
        if (holder[0].length < size) {
            holder[0] = new float[size];
        }
        return holder[0];
    }

    private static int ceilDiv(int a, int b) {
        return Math.floorDiv(a + b - 1, b);
    }
}
