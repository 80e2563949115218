package dev.panagrad.engine.ops;

import dev.panagrad.engine.Autograd;
import dev.panagrad.engine.Shape;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.Backends;
import java.util.Arrays;

/**
 * Matrix products. The backward of C = A B is dA = dC B^T and dB = A^T dC, computed by GEMM with
 * transpose flags: no operand is ever transposed in memory.
 */
public final class LinearAlgebra {
    private LinearAlgebra() {
    }

    /** {@code torch.matmul} semantics; see {@link Tensor#matmul}. */
    public static Tensor matmul(Tensor a, Tensor b) {
        if (a.rank() == 0 || b.rank() == 0) {
            throw new IllegalArgumentException("matmul: " + a.shape() + " x " + b.shape()
                    + ": both operands need at least one dimension");
        }
        if (a.rank() == 1 && b.rank() == 1) {
            return matmul(a.unsqueeze(0), b.unsqueeze(1)).reshape();
        }
        if (a.rank() == 1) {
            return matmul(a.unsqueeze(0), b).squeeze(-2);
        }
        if (b.rank() == 1) {
            return matmul(a, b.unsqueeze(1)).squeeze(-1);
        }
        int m = a.size(-2);
        int k = a.size(-1);
        int n = b.size(-1);
        if (b.size(-2) != k) {
            throw new IllegalArgumentException("matmul: " + a.shape() + " x " + b.shape() + ": inner dimensions "
                    + k + " and " + b.size(-2) + " differ");
        }
        Shape aBatch = Shape.of(Arrays.copyOf(a.dims(), a.rank() - 2));
        Shape bBatch = Shape.of(Arrays.copyOf(b.dims(), b.rank() - 2));
        Shape batch;
        try {
            batch = Shape.broadcast("matmul", aBatch, bBatch);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("matmul: " + a.shape() + " x " + b.shape() + ": batch dimensions "
                    + aBatch + " and " + bBatch + " do not broadcast", e);
        }
        // An operand whose batch dimensions are all 1 is shared by every product (stride 0); one that is
        // broadcast only along some of them is expanded to the full batch first.
        Tensor aFull = aBatch.numel() == 1 || aBatch.equals(batch) ? a : Layout.expand(a, concat(batch, m, k));
        Tensor bFull = bBatch.numel() == 1 || bBatch.equals(batch) ? b : Layout.expand(b, concat(batch, k, n));
        return product(aFull, bFull, batch, m, k, n);
    }

    /**
     * {@code x W^T + b}, as {@code torch.nn.functional.linear}: x [..., in], weight [out, in], bias [out]
     * or null; result [..., out]. The product reads W through GEMM's transpose flag, and the backward
     * ({@code dx = dy W}, {@code dW = dy^T x}, {@code db = sum dy}) needs no transposed copies either.
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        if (x.rank() < 1 || weight.rank() != 2 || x.size(-1) != weight.size(1)) {
            throw new IllegalArgumentException("linear: input " + x.shape() + " and weight " + weight.shape()
                    + ": expected weight [out, " + (x.rank() < 1 ? "in" : x.size(-1)) + "]");
        }
        int in = weight.size(1);
        int outFeatures = weight.size(0);
        if (bias != null && (bias.rank() != 1 || bias.size(0) != outFeatures)) {
            throw new IllegalArgumentException("linear: bias " + bias.shape() + " must be [" + outFeatures + "]");
        }
        int rows = x.numel() / Math.max(1, in);
        int[] outDims = x.dims();
        outDims[outDims.length - 1] = outFeatures;
        Tensor out = Tensor.zeros(outDims);
        Backend be = Backends.current();
        if (bias != null) {
            be.stridedCopy(new int[] {rows, outFeatures}, bias.storage(), 0, new int[] {0, 1}, out.storage(), 0,
                    new int[] {outFeatures, 1});
        }
        be.gemm(false, true, rows, outFeatures, in, 1f, x.storage(), 0, in, weight.storage(), 0, in,
                bias == null ? 0f : 1f, out.storage(), 0, outFeatures);
        Tensor[] inputs = bias == null ? new Tensor[] {x, weight} : new Tensor[] {x, weight, bias};
        return Autograd.op("linear", inputs).saves(x, weight).result(out, (g, needs) -> {
            Backend b = Backends.current();
            Tensor[] grads = new Tensor[inputs.length];
            if (needs[0]) {
                grads[0] = Tensor.zeros(x.shape());
                b.gemm(false, false, rows, in, outFeatures, 1f, g.storage(), 0, outFeatures, weight.storage(), 0, in,
                        0f, grads[0].storage(), 0, in);
            }
            if (needs[1]) {
                grads[1] = Tensor.zeros(weight.shape());
                b.gemm(true, false, outFeatures, in, rows, 1f, g.storage(), 0, outFeatures, x.storage(), 0, in,
                        0f, grads[1].storage(), 0, in);
            }
            if (bias != null && needs[2]) {
                grads[2] = Tensor.zeros(outFeatures);
                b.reduce(dev.panagrad.engine.backend.ReduceOp.SUM, g.storage(), 1, rows, outFeatures, grads[2].storage());
            }
            return grads;
        });
    }

    /** out[i] = a[i or 0] x b[i or 0] for i over the batch. */
    private static Tensor product(Tensor a, Tensor b, Shape batch, int m, int k, int n) {
        int count = batch.numel();
        boolean aShared = count > 1 && a.numel() == m * k;
        boolean bShared = count > 1 && b.numel() == k * n;
        Tensor out = Tensor.zeros(concat(batch, m, n));
        Backends.current().gemmBatched(count, false, false, m, n, k, 1f,
                a.storage(), 0, aShared ? 0 : m * k, k,
                b.storage(), 0, bShared ? 0 : k * n, n,
                0f, out.storage(), 0, m * n, n);
        return Autograd.op("matmul", a, b).saves(a, b).result(out, (g, needs) -> {
            Backend be = Backends.current();
            Tensor ga = null;
            Tensor gb = null;
            if (needs[0]) {
                // dA[i] = dC[i] B[i]^T, summed over i when A is shared.
                ga = Tensor.zeros(a.shape());
                gradient(be, count, aShared, m, k, n, g, false, b, true, ga);
            }
            if (needs[1]) {
                // dB[i] = A[i]^T dC[i], summed over i when B is shared.
                gb = Tensor.zeros(b.shape());
                gradient(be, count, bShared, k, n, m, a, true, g, false, gb);
            }
            return new Tensor[] {ga, gb};
        });
    }

    /**
     * out (rows x cols) = sum or batch of op(left) (rows x inner) * op(right) (inner x cols), where the
     * operand that is not the output gradient may be shared across the batch.
     */
    private static void gradient(Backend be, int count, boolean outShared, int rows, int cols, int inner,
                                 Tensor left, boolean transLeft, Tensor right, boolean transRight, Tensor out) {
        int leftSize = rows * inner;
        int rightSize = inner * cols;
        int leftStride = left.numel() == leftSize && count > 1 ? 0 : leftSize;
        int rightStride = right.numel() == rightSize && count > 1 ? 0 : rightSize;
        int lda = transLeft ? rows : inner;
        int ldb = transRight ? inner : cols;
        if (outShared) {
            for (int i = 0; i < count; i++) {
                be.gemm(transLeft, transRight, rows, cols, inner, 1f, left.storage(), i * leftStride, lda,
                        right.storage(), i * rightStride, ldb, i == 0 ? 0f : 1f, out.storage(), 0, cols);
            }
        } else {
            be.gemmBatched(count, transLeft, transRight, rows, cols, inner, 1f, left.storage(), 0, leftStride, lda,
                    right.storage(), 0, rightStride, ldb, 0f, out.storage(), 0, rows * cols, cols);
        }
    }

    private static Shape concat(Shape batch, int r, int c) {
        int[] d = Arrays.copyOf(batch.dims(), batch.rank() + 2);
        d[batch.rank()] = r;
        d[batch.rank() + 1] = c;
        return Shape.of(d);
    }
}
