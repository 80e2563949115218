package dev.panagrad.engine.backend.scalar;

import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.backend.BinaryOp;
import dev.panagrad.engine.backend.ConvGeometry;
import dev.panagrad.engine.backend.PoolGeometry;
import dev.panagrad.engine.backend.PolynomialDifference;
import dev.panagrad.engine.backend.PoolingPlanes;
import dev.panagrad.engine.backend.ReduceOp;
import dev.panagrad.engine.backend.SgdRule;
import dev.panagrad.engine.backend.Storage;
import dev.panagrad.engine.backend.UnaryOp;

/**
 * The reference backend: every kernel is the plainest loop that implements its contract, single
 * threaded, with no blocking or vectorisation. Other backends are tested against it.
 */
public class ScalarBackend implements Backend {

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public String describe() {
        return "scalar (reference loops, 1 thread)";
    }

    @Override
    public void fill(Storage dst, int offset, int count, float value) {
        float[] d = dst.array();
        for (int i = 0; i < count; i++) {
            d[offset + i] = value;
        }
    }

    @Override
    public void copy(Storage src, int srcOffset, Storage dst, int dstOffset, int count) {
        float[] s = src.read();
        float[] d = dst.array();
        for (int i = 0; i < count; i++) {
            d[dstOffset + i] = s[srcOffset + i];
        }
    }

    @Override
    public void stridedCopy(int[] shape, Storage src, int srcOffset, int[] srcStrides,
                            Storage dst, int dstOffset, int[] dstStrides) {
        float[] s = src.read();
        float[] d = dst.array();
        int[] idx = new int[shape.length];
        int n = numel(shape);
        for (int e = 0; e < n; e++) {
            d[dstOffset + dot(idx, dstStrides)] = s[srcOffset + dot(idx, srcStrides)];
            increment(idx, shape);
        }
    }

    @Override
    public void unary(UnaryOp op, float p, float q, Storage x, Storage y, int count) {
        float[] xs = x.read();
        float[] ys = y.array();
        for (int i = 0; i < count; i++) {
            ys[i] = op.apply(xs[i], p, q);
        }
    }

    @Override
    public void unaryBackward(UnaryOp op, float p, float q, Storage x, Storage y, Storage gy, Storage gx, int count) {
        float[] xs = x.read();
        float[] ys = y.read();
        float[] gys = gy.read();
        float[] gxs = gx.array();
        for (int i = 0; i < count; i++) {
            gxs[i] = op.grad(xs[i], ys[i], gys[i], p, q);
        }
    }

    @Override
    public void binary(BinaryOp op, int[] shape, Storage a, int[] aStrides, Storage b, int[] bStrides, Storage out) {
        float[] as = a.read();
        float[] bs = b.read();
        float[] o = out.array();
        int[] idx = new int[shape.length];
        int n = numel(shape);
        for (int e = 0; e < n; e++) {
            o[e] = op.apply(as[dot(idx, aStrides)], bs[dot(idx, bStrides)]);
            increment(idx, shape);
        }
    }

    @Override
    public void axpy(int count, float alpha, Storage x, Storage y) {
        float[] xs = x.read();
        float[] ys = y.array();
        for (int i = 0; i < count; i++) {
            ys[i] += alpha * xs[i];
        }
    }

    @Override
    public void polynomialDifference(float[] coefficients, Storage a, Storage b, int count, Storage squared,
                                     Storage weighted) {
        float[] as = a.read();
        float[] bs = b.read();
        float[] sq = squared.array();
        float[] w = weighted.array();
        for (int i = 0; i < count; i++) {
            PolynomialDifference.element(coefficients, as, bs, sq, w, i);
        }
    }

    @Override
    public void sgdStep(int count, Storage param, Storage grad, Storage momentumBuffer, boolean first, float lr,
                        float weightDecay, float momentum, float dampening, boolean nesterov) {
        float[] p = param.array();
        float[] g = grad.read();
        float[] b = momentumBuffer == null ? null : momentumBuffer.array();
        for (int i = 0; i < count; i++) {
            p[i] = SgdRule.update(p, g, b, i, first, lr, weightDecay, momentum, dampening, nesterov);
        }
    }

    @Override
    public void select(int[] shape, Storage cond, int[] condStrides, Storage a, int[] aStrides,
                       Storage b, int[] bStrides, Storage out) {
        float[] cs = cond.read();
        float[] as = a.read();
        float[] bs = b.read();
        float[] o = out.array();
        int[] idx = new int[shape.length];
        int n = numel(shape);
        for (int e = 0; e < n; e++) {
            o[e] = cs[dot(idx, condStrides)] != 0f ? as[dot(idx, aStrides)] : bs[dot(idx, bStrides)];
            increment(idx, shape);
        }
    }

    @Override
    public void reduce(ReduceOp op, Storage x, int outer, int size, int inner, Storage out) {
        float[] xs = x.read();
        float[] o = out.array();
        for (int r = 0; r < outer; r++) {
            for (int i = 0; i < inner; i++) {
                float acc = op.identity();
                for (int s = 0; s < size; s++) {
                    acc = op.combine(acc, xs[(r * size + s) * inner + i]);
                }
                o[r * inner + i] = acc;
            }
        }
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     Storage a, int aOffset, int lda, Storage b, int bOffset, int ldb,
                     float beta, Storage c, int cOffset, int ldc) {
        float[] as = a.read();
        float[] bs = b.read();
        float[] cs = c.array();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) {
                    float av = transA ? as[aOffset + p * lda + i] : as[aOffset + i * lda + p];
                    float bv = transB ? bs[bOffset + j * ldb + p] : bs[bOffset + p * ldb + j];
                    sum += av * bv;
                }
                int ci = cOffset + i * ldc + j;
                cs[ci] = beta == 0f ? alpha * sum : alpha * sum + beta * cs[ci];
            }
        }
    }

    /** The formulas of {@code engine.ops.Normalization.softmax}, line by line. */
    @Override
    public void softmax(Storage x, Storage y, int outer, int size, int inner, boolean log) {
        float[] xs = x.read();
        float[] ys = y.array();
        for (int r = 0; r < outer; r++) {
            for (int i = 0; i < inner; i++) {
                int base = r * size * inner + i;
                float max = Float.NEGATIVE_INFINITY;
                for (int s = 0; s < size; s++) {
                    max = Math.max(max, xs[base + s * inner]);
                }
                float sum = 0f;
                for (int s = 0; s < size; s++) {
                    sum += (float) StrictMath.exp(xs[base + s * inner] - max);
                }
                float logSum = (float) StrictMath.log(sum);
                for (int s = 0; s < size; s++) {
                    float shifted = xs[base + s * inner] - max;
                    ys[base + s * inner] = log ? shifted - logSum : (float) StrictMath.exp(shifted) / sum;
                }
            }
        }
    }

    @Override
    public void softmaxBackward(Storage y, Storage gy, Storage gx, int outer, int size, int inner, boolean log) {
        float[] ys = y.read();
        float[] gys = gy.read();
        float[] gxs = gx.array();
        for (int r = 0; r < outer; r++) {
            for (int i = 0; i < inner; i++) {
                int base = r * size * inner + i;
                float dot = 0f;
                for (int s = 0; s < size; s++) {
                    int e = base + s * inner;
                    dot += log ? gys[e] : gys[e] * ys[e];
                }
                for (int s = 0; s < size; s++) {
                    int e = base + s * inner;
                    gxs[e] = log ? gys[e] - (float) StrictMath.exp(ys[e]) * dot : ys[e] * (gys[e] - dot);
                }
            }
        }
    }

    @Override
    public void indexSelect(Storage x, int outer, int size, int inner, int[] index, Storage out) {
        float[] xs = x.read();
        float[] o = out.array();
        for (int r = 0; r < outer; r++) {
            for (int j = 0; j < index.length; j++) {
                for (int i = 0; i < inner; i++) {
                    o[(r * index.length + j) * inner + i] = xs[(r * size + index[j]) * inner + i];
                }
            }
        }
    }

    @Override
    public void indexAdd(Storage g, int outer, int size, int inner, int[] index, Storage gx) {
        float[] gs = g.read();
        float[] o = gx.array();
        for (int r = 0; r < outer; r++) {
            for (int j = 0; j < index.length; j++) {
                for (int i = 0; i < inner; i++) {
                    o[(r * size + index[j]) * inner + i] += gs[(r * index.length + j) * inner + i];
                }
            }
        }
    }

    @Override
    public void gather(int[] indexShape, int dim, int[] index, Storage x, int[] xStrides, Storage out) {
        float[] xs = x.read();
        float[] o = out.array();
        int[] idx = new int[indexShape.length];
        for (int e = 0; e < index.length; e++) {
            o[e] = xs[dot(idx, xStrides) + (index[e] - idx[dim]) * xStrides[dim]];
            increment(idx, indexShape);
        }
    }

    @Override
    public void scatterAdd(int[] indexShape, int dim, int[] index, Storage g, Storage gx, int[] gxStrides) {
        float[] gs = g.read();
        float[] o = gx.array();
        int[] idx = new int[indexShape.length];
        for (int e = 0; e < index.length; e++) {
            o[dot(idx, gxStrides) + (index[e] - idx[dim]) * gxStrides[dim]] += gs[e];
            increment(idx, indexShape);
        }
    }

    // ---- convolution: the direct seven-deep loop ---------------------------------------------------

    @Override
    public void conv2d(ConvGeometry g, Storage x, Storage weight, Storage bias, Storage out) {
        float[] xs = x.read();
        float[] ws = weight.read();
        float[] o = out.array();
        int oh = g.outH();
        int ow = g.outW();
        int cg = g.groupInChannels();
        int og = g.groupOutChannels();
        for (int n = 0; n < g.batch(); n++) {
            for (int oc = 0; oc < g.outChannels(); oc++) {
                int group = oc / og;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        float sum = bias == null ? 0f : bias.array()[oc];
                        for (int c = 0; c < cg; c++) {
                            int ic = group * cg + c;
                            for (int ky = 0; ky < g.kernelH(); ky++) {
                                int iy = oy * g.strideH() - g.padH() + ky * g.dilationH();
                                for (int kx = 0; kx < g.kernelW(); kx++) {
                                    int ix = ox * g.strideW() - g.padW() + kx * g.dilationW();
                                    if (iy >= 0 && iy < g.inH() && ix >= 0 && ix < g.inW()) {
                                        sum += xs[((n * g.inChannels() + ic) * g.inH() + iy) * g.inW() + ix]
                                                * ws[((oc * cg + c) * g.kernelH() + ky) * g.kernelW() + kx];
                                    }
                                }
                            }
                        }
                        o[((n * g.outChannels() + oc) * oh + oy) * ow + ox] = sum;
                    }
                }
            }
        }
    }

    @Override
    public void conv2dBackwardInput(ConvGeometry g, Storage gradOut, Storage weight, Storage gradX) {
        float[] gy = gradOut.read();
        float[] ws = weight.read();
        float[] gx = gradX.array();
        java.util.Arrays.fill(gx, 0, g.batch() * g.inChannels() * g.inH() * g.inW(), 0f);
        int oh = g.outH();
        int ow = g.outW();
        int cg = g.groupInChannels();
        int og = g.groupOutChannels();
        for (int n = 0; n < g.batch(); n++) {
            for (int oc = 0; oc < g.outChannels(); oc++) {
                int group = oc / og;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        float d = gy[((n * g.outChannels() + oc) * oh + oy) * ow + ox];
                        for (int c = 0; c < cg; c++) {
                            int ic = group * cg + c;
                            for (int ky = 0; ky < g.kernelH(); ky++) {
                                int iy = oy * g.strideH() - g.padH() + ky * g.dilationH();
                                for (int kx = 0; kx < g.kernelW(); kx++) {
                                    int ix = ox * g.strideW() - g.padW() + kx * g.dilationW();
                                    if (iy >= 0 && iy < g.inH() && ix >= 0 && ix < g.inW()) {
                                        gx[((n * g.inChannels() + ic) * g.inH() + iy) * g.inW() + ix]
                                                += d * ws[((oc * cg + c) * g.kernelH() + ky) * g.kernelW() + kx];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    public void conv2dBackwardWeight(ConvGeometry g, Storage x, Storage gradOut, Storage gradWeight, Storage gradBias) {
        float[] xs = x.read();
        float[] gy = gradOut.read();
        float[] gw = gradWeight.array();
        int oh = g.outH();
        int ow = g.outW();
        int cg = g.groupInChannels();
        int og = g.groupOutChannels();
        java.util.Arrays.fill(gw, 0, g.outChannels() * g.patchSize(), 0f);
        if (gradBias != null) {
            java.util.Arrays.fill(gradBias.array(), 0, g.outChannels(), 0f);
        }
        for (int n = 0; n < g.batch(); n++) {
            for (int oc = 0; oc < g.outChannels(); oc++) {
                int group = oc / og;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        float d = gy[((n * g.outChannels() + oc) * oh + oy) * ow + ox];
                        if (gradBias != null) {
                            gradBias.array()[oc] += d;
                        }
                        for (int c = 0; c < cg; c++) {
                            int ic = group * cg + c;
                            for (int ky = 0; ky < g.kernelH(); ky++) {
                                int iy = oy * g.strideH() - g.padH() + ky * g.dilationH();
                                for (int kx = 0; kx < g.kernelW(); kx++) {
                                    int ix = ox * g.strideW() - g.padW() + kx * g.dilationW();
                                    if (iy >= 0 && iy < g.inH() && ix >= 0 && ix < g.inW()) {
                                        gw[((oc * cg + c) * g.kernelH() + ky) * g.kernelW() + kx]
                                                += d * xs[((n * g.inChannels() + ic) * g.inH() + iy) * g.inW() + ix];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    // ---- pooling ------------------------------------------------------------------------------------

    @Override
    public void maxPool2d(PoolGeometry g, Storage x, Storage out) {
        for (int p = 0; p < g.planes(); p++) {
            PoolingPlanes.maxPoolPlane(g, x.array(), out.array(), p);
        }
    }

    @Override
    public void maxPool2dBackward(PoolGeometry g, Storage x, Storage gradOut, Storage gradX) {
        for (int p = 0; p < g.planes(); p++) {
            PoolingPlanes.maxPoolBackwardPlane(g, x.array(), gradOut.array(), gradX.array(), p);
        }
    }

    @Override
    public void avgPool2d(PoolGeometry g, Storage x, Storage out) {
        for (int p = 0; p < g.planes(); p++) {
            PoolingPlanes.avgPoolPlane(g, x.array(), out.array(), p);
        }
    }

    @Override
    public void avgPool2dBackward(PoolGeometry g, Storage gradOut, Storage gradX) {
        for (int p = 0; p < g.planes(); p++) {
            PoolingPlanes.avgPoolBackwardPlane(g, gradOut.array(), gradX.array(), p);
        }
    }

    @Override
    public void adaptiveAvgPool2d(int planes, int inH, int inW, int outH, int outW, Storage x, Storage out) {
        for (int p = 0; p < planes; p++) {
            PoolingPlanes.adaptivePlane(inH, inW, outH, outW, x.array(), out.array(), p, false);
        }
    }

    @Override
    public void adaptiveAvgPool2dBackward(int planes, int inH, int inW, int outH, int outW, Storage gradOut,
                                          Storage gradX) {
        for (int p = 0; p < planes; p++) {
            PoolingPlanes.adaptivePlane(inH, inW, outH, outW, gradOut.array(), gradX.array(), p, true);
        }
    }

    // ---- batch normalisation ----------------------------------------------------------------------

    @Override
    public void batchNormStatistics(Storage x, int batch, int channels, int spatial, Storage mean, Storage variance) {
        float[] xs = x.read();
        for (int c = 0; c < channels; c++) {
            float sum = 0f;
            for (int n = 0; n < batch; n++) {
                for (int s = 0; s < spatial; s++) {
                    sum += xs[(n * channels + c) * spatial + s];
                }
            }
            float m = sum / (batch * spatial);
            float sq = 0f;
            for (int n = 0; n < batch; n++) {
                for (int s = 0; s < spatial; s++) {
                    float d = xs[(n * channels + c) * spatial + s] - m;
                    sq += d * d;
                }
            }
            mean.array()[c] = m;
            variance.array()[c] = sq / (batch * spatial);
        }
    }

    @Override
    public void channelAffine(Storage x, int batch, int channels, int spatial, Storage scale, Storage shift, Storage y) {
        float[] xs = x.read();
        float[] ys = y.array();
        for (int n = 0; n < batch; n++) {
            for (int c = 0; c < channels; c++) {
                for (int s = 0; s < spatial; s++) {
                    int i = (n * channels + c) * spatial + s;
                    ys[i] = xs[i] * scale.array()[c] + shift.array()[c];
                }
            }
        }
    }

    /** The formulas of {@code engine.ops.BatchNormalization}, line by line. */
    @Override
    public void batchNormBackward(Storage x, Storage gradOut, int batch, int channels, int spatial, Storage mean,
                                  Storage invStd, Storage gamma, boolean training, Storage gradX, Storage gradGamma,
                                  Storage gradBeta) {
        float[] xs = x.read();
        float[] gy = gradOut.read();
        int count = batch * spatial;
        for (int c = 0; c < channels; c++) {
            float m = mean.array()[c];
            float is = invStd.array()[c];
            float sumDy = 0f;
            float sumDyXhat = 0f;
            for (int n = 0; n < batch; n++) {
                for (int s = 0; s < spatial; s++) {
                    int i = (n * channels + c) * spatial + s;
                    sumDy += gy[i];
                    sumDyXhat += gy[i] * (xs[i] - m) * is;
                }
            }
            if (gradGamma != null) {
                gradGamma.array()[c] = sumDyXhat;
            }
            if (gradBeta != null) {
                gradBeta.array()[c] = sumDy;
            }
            if (gradX != null) {
                float k = (gamma == null ? 1f : gamma.array()[c]) * is;
                for (int n = 0; n < batch; n++) {
                    for (int s = 0; s < spatial; s++) {
                        int i = (n * channels + c) * spatial + s;
                        gradX.array()[i] = training
                                ? k * (gy[i] - sumDy / count - (xs[i] - m) * is * sumDyXhat / count)
                                : k * gy[i];
                    }
                }
            }
        }
    }

    /** Number of elements of a shape. */
    private static int numel(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** The offset of a multi-index under the given strides. */
    private static int dot(int[] idx, int[] strides) {
        int off = 0;
        for (int i = 0; i < idx.length; i++) {
            off += idx[i] * strides[i];
        }
        return off;
    }

    /** Advances a row-major multi-index by one element. */
    private static void increment(int[] idx, int[] shape) {
        for (int d = idx.length - 1; d >= 0; d--) {
            if (++idx[d] < shape[d]) {
                return;
            }
            idx[d] = 0;
        }
    }
}
