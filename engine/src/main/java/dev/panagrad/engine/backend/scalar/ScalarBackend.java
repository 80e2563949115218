package dev.panagrad.engine.backend.scalar;

import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.backend.BinaryOp;
import dev.panagrad.engine.backend.ReduceOp;
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
        float[] s = src.array();
        float[] d = dst.array();
        for (int i = 0; i < count; i++) {
            d[dstOffset + i] = s[srcOffset + i];
        }
    }

    @Override
    public void stridedCopy(int[] shape, Storage src, int srcOffset, int[] srcStrides,
                            Storage dst, int dstOffset, int[] dstStrides) {
        float[] s = src.array();
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
        float[] xs = x.array();
        float[] ys = y.array();
        for (int i = 0; i < count; i++) {
            ys[i] = op.apply(xs[i], p, q);
        }
    }

    @Override
    public void unaryBackward(UnaryOp op, float p, float q, Storage x, Storage y, Storage gy, Storage gx, int count) {
        float[] xs = x.array();
        float[] ys = y.array();
        float[] gys = gy.array();
        float[] gxs = gx.array();
        for (int i = 0; i < count; i++) {
            gxs[i] = op.grad(xs[i], ys[i], gys[i], p, q);
        }
    }

    @Override
    public void binary(BinaryOp op, int[] shape, Storage a, int[] aStrides, Storage b, int[] bStrides, Storage out) {
        float[] as = a.array();
        float[] bs = b.array();
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
        float[] xs = x.array();
        float[] ys = y.array();
        for (int i = 0; i < count; i++) {
            ys[i] += alpha * xs[i];
        }
    }

    @Override
    public void select(int[] shape, Storage cond, int[] condStrides, Storage a, int[] aStrides,
                       Storage b, int[] bStrides, Storage out) {
        float[] cs = cond.array();
        float[] as = a.array();
        float[] bs = b.array();
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
        float[] xs = x.array();
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
        float[] as = a.array();
        float[] bs = b.array();
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

    @Override
    public void softmax(Storage x, Storage y, int outer, int size, int inner, boolean log) {
        float[] xs = x.array();
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
                    sum += (float) Math.exp(xs[base + s * inner] - max);
                }
                float logSum = (float) Math.log(sum);
                for (int s = 0; s < size; s++) {
                    float shifted = xs[base + s * inner] - max;
                    ys[base + s * inner] = log ? shifted - logSum : (float) Math.exp(shifted) / sum;
                }
            }
        }
    }

    @Override
    public void softmaxBackward(Storage y, Storage gy, Storage gx, int outer, int size, int inner, boolean log) {
        float[] ys = y.array();
        float[] gys = gy.array();
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
                    gxs[e] = log ? gys[e] - (float) Math.exp(ys[e]) * dot : ys[e] * (gys[e] - dot);
                }
            }
        }
    }

    @Override
    public void indexSelect(Storage x, int outer, int size, int inner, int[] index, Storage out) {
        float[] xs = x.array();
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
        float[] gs = g.array();
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
        float[] xs = x.array();
        float[] o = out.array();
        int[] idx = new int[indexShape.length];
        for (int e = 0; e < index.length; e++) {
            o[e] = xs[dot(idx, xStrides) + (index[e] - idx[dim]) * xStrides[dim]];
            increment(idx, indexShape);
        }
    }

    @Override
    public void scatterAdd(int[] indexShape, int dim, int[] index, Storage g, Storage gx, int[] gxStrides) {
        float[] gs = g.array();
        float[] o = gx.array();
        int[] idx = new int[indexShape.length];
        for (int e = 0; e < index.length; e++) {
            o[dot(idx, gxStrides) + (index[e] - idx[dim]) * gxStrides[dim]] += gs[e];
            increment(idx, indexShape);
        }
    }

    /** Number of elements of a shape. */
    protected static int numel(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** The offset of a multi-index under the given strides. */
    protected static int dot(int[] idx, int[] strides) {
        int off = 0;
        for (int i = 0; i < idx.length; i++) {
            off += idx[i] * strides[i];
        }
        return off;
    }

    /** Advances a row-major multi-index by one element. */
    protected static void increment(int[] idx, int[] shape) {
        for (int d = idx.length - 1; d >= 0; d--) {
            if (++idx[d] < shape[d]) {
                return;
            }
            idx[d] = 0;
        }
    }
}
