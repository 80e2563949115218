package dev.panagrad.engine.backend.simd;

import dev.panagrad.engine.backend.Parallel;
import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.backend.BinaryOp;
import dev.panagrad.engine.backend.ConvGeometry;
import dev.panagrad.engine.backend.PoolGeometry;
import dev.panagrad.engine.backend.PoolingPlanes;
import dev.panagrad.engine.backend.ReduceOp;
import dev.panagrad.engine.backend.SgdRule;
import dev.panagrad.engine.backend.Storage;
import dev.panagrad.engine.backend.UnaryOp;

/**
 * The default CPU backend: kernels written with the JDK Vector API at the machine's widest float
 * species, run on the shared thread pool. Every kernel is its own; {@code ScalarBackend} is the oracle
 * they are tested against, not a fallback.
 */
public final class SimdBackend implements Backend {

    @Override
    public String name() {
        return "simd";
    }

    @Override
    public String describe() {
        return "simd (Vector API, " + VectorMachine.CURRENT.describe() + "; " + GemmKernel.describe()
                + "; direct convolution tile " + DirectConvolution.TILE + ", weight-gradient tile " + DirectConvolution.DOT_TILE
                + (ChannelConvolution.TILES_FIT ? ", channel-vector tiles "
                        + (ChannelConvolution.ROW_PAIRS ? "2 rows x 3 positions x 2 vectors"
                                : ChannelConvolution.FORWARD_TILE + " (2 rows x 3 positions on rows of up to 4)")
                        + " and " + ChannelConvolution.WEIGHT_TILE + (ChannelConvolution.ROW3_PAIRS ? " x 2 input channels" : "")
                        : ", no channel-vector convolution")
                + "; " + Parallel.threads() + (Parallel.threads() == 1 ? " thread)" : " threads)");
    }

    @Override
    public void fill(Storage dst, int offset, int count, float value) {
        java.util.Arrays.fill(dst.array(), offset, offset + count, value);
    }

    @Override
    public void copy(Storage src, int srcOffset, Storage dst, int dstOffset, int count) {
        System.arraycopy(src.array(), srcOffset, dst.array(), dstOffset, count);
    }

    @Override
    public void stridedCopy(int[] shape, Storage src, int srcOffset, int[] srcStrides,
                            Storage dst, int dstOffset, int[] dstStrides) {
        StridedLayout lay = StridedLayout.of(shape, srcStrides, dstStrides);
        float[] s = src.array();
        float[] d = dst.array();
        int len = lay.rowLength();
        int ss = lay.innerStride(0);
        int ds = lay.innerStride(1);
        Parallel.forRange(lay.rows(), Math.max(1, SimdMaps.GRAIN / Math.max(1, len)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int so = srcOffset + lay.rowOffset(0, r);
                int dof = dstOffset + lay.rowOffset(1, r);
                if (ss == 1 && ds == 1) {
                    System.arraycopy(s, so, d, dof, len);
                } else if (ss == 0 && ds == 1) {
                    java.util.Arrays.fill(d, dof, dof + len, s[so]);
                } else {
                    for (int i = 0; i < len; i++) {
                        d[dof + i * ds] = s[so + i * ss];
                    }
                }
            }
        });
    }

    @Override
    public void unary(UnaryOp op, float p, float q, Storage x, Storage y, int count) {
        SimdMaps.unary(op, p, q, x.array(), y.array(), count);
    }

    @Override
    public void unaryBackward(UnaryOp op, float p, float q, Storage x, Storage y, Storage gy, Storage gx, int count) {
        SimdMaps.unaryBackward(op, p, q, x.array(), y.array(), gy.array(), gx.array(), count);
    }

    @Override
    public void binary(BinaryOp op, int[] shape, Storage a, int[] aStrides, Storage b, int[] bStrides, Storage out) {
        SimdBinary.binary(op, shape, a.array(), aStrides, b.array(), bStrides, out.array());
    }

    @Override
    public void axpy(int count, float alpha, Storage x, Storage y) {
        SimdMaps.axpy(count, alpha, x.array(), y.array());
    }

    @Override
    public void polynomialDifference(float[] coefficients, Storage a, Storage b, int count, Storage squared,
                                     Storage weighted) {
        SimdMaps.polynomialDifference(coefficients, a.read(), b.read(), count, squared.array(), weighted.array());
    }

    @Override
    public void sgdStep(int count, Storage param, Storage grad, Storage momentumBuffer, boolean first, float lr,
                        float weightDecay, float momentum, float dampening, boolean nesterov) {
        float[] p = param.array();
        float[] g = grad.read();
        float[] b = momentumBuffer == null ? null : momentumBuffer.array();
        Parallel.forRange(count, 1 << 14, (from, to) -> {
            for (int i = from; i < to; i++) {
                p[i] = SgdRule.update(p, g, b, i, first, lr, weightDecay, momentum, dampening, nesterov);
            }
        });
    }

    @Override
    public void select(int[] shape, Storage cond, int[] condStrides, Storage a, int[] aStrides,
                       Storage b, int[] bStrides, Storage out) {
        SimdIndexing.select(shape, cond.array(), condStrides, a.array(), aStrides, b.array(), bStrides, out.array());
    }

    @Override
    public void reduce(ReduceOp op, Storage x, int outer, int size, int inner, Storage out) {
        SimdReductions.reduce(op, x.array(), outer, size, inner, out.array());
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     Storage a, int aOffset, int lda, Storage b, int bOffset, int ldb,
                     float beta, Storage c, int cOffset, int ldc) {
        GemmKernel.gemm(transA, transB, m, n, k, alpha, a.array(), aOffset, lda, b.array(), bOffset, ldb,
                beta, c.array(), cOffset, ldc);
    }

    @Override
    public void gemmBatched(int batch, boolean transA, boolean transB, int m, int n, int k, float alpha,
                            Storage a, int aOffset, int aStride, int lda,
                            Storage b, int bOffset, int bStride, int ldb,
                            float beta, Storage c, int cOffset, int cStride, int ldc) {
        // Many small products: one per task. One large product: its own threads inside gemm.
        if (batch > 1 && 2.0 * m * n * k < 1 << 24) {
            Parallel.forEach(batch, (b0, b1) -> {
                for (int i = b0; i < b1; i++) {
                    gemm(transA, transB, m, n, k, alpha, a, aOffset + i * aStride, lda,
                            b, bOffset + i * bStride, ldb, beta, c, cOffset + i * cStride, ldc);
                }
            });
        } else {
            Backend.super.gemmBatched(batch, transA, transB, m, n, k, alpha, a, aOffset, aStride, lda,
                    b, bOffset, bStride, ldb, beta, c, cOffset, cStride, ldc);
        }
    }

    @Override
    public void softmax(Storage x, Storage y, int outer, int size, int inner, boolean log) {
        if (inner == 1) {
            SimdSoftmax.forward(x.array(), y.array(), outer, size, log);
        } else {
            SimdSoftmax.forwardStrided(x.array(), y.array(), outer, size, inner, log);
        }
    }

    @Override
    public void softmaxBackward(Storage y, Storage gy, Storage gx, int outer, int size, int inner, boolean log) {
        if (inner == 1) {
            SimdSoftmax.backward(y.array(), gy.array(), gx.array(), outer, size, log);
        } else {
            SimdSoftmax.backwardStrided(y.array(), gy.array(), gx.array(), outer, size, inner, log);
        }
    }

    @Override
    public void indexSelect(Storage x, int outer, int size, int inner, int[] index, Storage out) {
        SimdIndexing.indexSelect(x.array(), outer, size, inner, index, out.array());
    }

    @Override
    public void indexAdd(Storage g, int outer, int size, int inner, int[] index, Storage gx) {
        SimdIndexing.indexAdd(g.array(), outer, size, inner, index, gx.array());
    }

    @Override
    public void gather(int[] indexShape, int dim, int[] index, Storage x, int[] xStrides, Storage out) {
        SimdIndexing.gather(indexShape, dim, index, x.array(), xStrides, out.array());
    }

    @Override
    public void scatterAdd(int[] indexShape, int dim, int[] index, Storage g, Storage gx, int[] gxStrides) {
        SimdIndexing.scatterAdd(indexShape, dim, index, g.array(), gx.array(), gxStrides);
    }

    @Override
    public void conv2d(ConvGeometry g, Storage x, Storage weight, Storage bias, Storage out) {
        SimdConvolution.forward(g, x.array(), weight.array(), bias == null ? null : bias.array(), out.array());
    }

    @Override
    public void conv2dBackwardInput(ConvGeometry g, Storage gradOut, Storage weight, Storage gradX) {
        SimdConvolution.backwardInput(g, gradOut.array(), weight.array(), gradX.array());
    }

    @Override
    public void conv2dBackwardWeight(ConvGeometry g, Storage x, Storage gradOut, Storage gradWeight, Storage gradBias) {
        SimdConvolution.backwardWeight(g, x.array(), gradOut.array(), gradWeight.array(),
                gradBias == null ? null : gradBias.array());
    }

    // Pooling, one plane a task with planes in parallel: max pooling branch-free inside the plane
    // (SimdPooling), average pooling through the reference loops.

    @Override
    public void maxPool2d(PoolGeometry g, Storage x, Storage out) {
        forPlanes(g.planes(), g.inH() * g.inW(), p -> SimdPooling.maxPoolPlane(g, x.array(), out.array(), p));
    }

    @Override
    public void maxPool2dBackward(PoolGeometry g, Storage x, Storage gradOut, Storage gradX) {
        forPlanes(g.planes(), g.inH() * g.inW(), p -> SimdPooling.maxPoolBackwardPlane(g, x.array(), gradOut.array(), gradX.array(), p));
    }

    @Override
    public void avgPool2d(PoolGeometry g, Storage x, Storage out) {
        forPlanes(g.planes(), g.inH() * g.inW(), p -> PoolingPlanes.avgPoolPlane(g, x.array(), out.array(), p));
    }

    @Override
    public void avgPool2dBackward(PoolGeometry g, Storage gradOut, Storage gradX) {
        forPlanes(g.planes(), g.inH() * g.inW(), p -> PoolingPlanes.avgPoolBackwardPlane(g, gradOut.array(), gradX.array(), p));
    }

    @Override
    public void adaptiveAvgPool2d(int planes, int inH, int inW, int outH, int outW, Storage x, Storage out) {
        forPlanes(planes, inH * inW, p -> PoolingPlanes.adaptivePlane(inH, inW, outH, outW, x.array(), out.array(), p, false));
    }

    @Override
    public void adaptiveAvgPool2dBackward(int planes, int inH, int inW, int outH, int outW, Storage gradOut,
                                          Storage gradX) {
        forPlanes(planes, inH * inW, p -> PoolingPlanes.adaptivePlane(inH, inW, outH, outW, gradOut.array(), gradX.array(), p, true));
    }

    private static void forPlanes(int planes, int planeSize, java.util.function.IntConsumer body) {
        Parallel.forRange(planes, Math.max(1, SimdMaps.GRAIN / Math.max(1, planeSize)), (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                body.accept(p);
            }
        });
    }

    @Override
    public void batchNormStatistics(Storage x, int batch, int channels, int spatial, Storage mean, Storage variance) {
        SimdBatchNorm.statistics(x.array(), batch, channels, spatial, mean.array(), variance.array());
    }

    @Override
    public void channelAffine(Storage x, int batch, int channels, int spatial, Storage scale, Storage shift, Storage y) {
        SimdBatchNorm.affine(x.array(), batch, channels, spatial, scale.array(), shift.array(), y.array());
    }

    @Override
    public void batchNormBackward(Storage x, Storage gradOut, int batch, int channels, int spatial, Storage mean,
                                  Storage invStd, Storage gamma, boolean training, Storage gradX, Storage gradGamma,
                                  Storage gradBeta) {
        batchNormBackward(x, null, gradOut, batch, channels, spatial, mean, invStd, gamma, training, gradX,
                gradGamma, gradBeta);
    }

    @Override
    public void channelAffineRelu(Storage x, int batch, int channels, int spatial, Storage scale, Storage shift,
                                  Storage y) {
        SimdBatchNorm.affineRelu(x.array(), batch, channels, spatial, scale.array(), shift.array(), y.array());
    }

    @Override
    public void batchNormReluBackward(Storage x, Storage y, Storage gradOut, int batch, int channels, int spatial,
                                      Storage mean, Storage invStd, Storage gamma, boolean training, Storage gradX,
                                      Storage gradGamma, Storage gradBeta) {
        batchNormBackward(x, y, gradOut, batch, channels, spatial, mean, invStd, gamma, training, gradX,
                gradGamma, gradBeta);
    }

    /** Batch norm's gradients; with {@code relu} not null, those of batch norm followed by a ReLU with that output. */
    private static void batchNormBackward(Storage x, Storage relu, Storage gradOut, int batch, int channels,
                                          int spatial, Storage mean, Storage invStd, Storage gamma, boolean training,
                                          Storage gradX, Storage gradGamma, Storage gradBeta) {
        SimdBatchNorm.backward(x.array(), relu == null ? null : relu.read(), gradOut.array(), batch, channels,
                spatial, mean.array(), invStd.array(), gamma == null ? null : gamma.array(), training,
                gradX == null ? null : gradX.array(), gradGamma == null ? null : gradGamma.array(),
                gradBeta == null ? null : gradBeta.array());
    }

    @Override
    public void addRelu(Storage a, Storage b, Storage out, int count) {
        SimdMaps.addRelu(a.array(), b.array(), out.array(), count);
    }
}
