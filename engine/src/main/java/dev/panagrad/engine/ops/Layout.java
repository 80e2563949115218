package dev.panagrad.engine.ops;

import dev.panagrad.engine.Autograd;
import dev.panagrad.engine.Shape;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.Backends;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Ops that move elements: expand, permute, slice, concat, stack. Each forward is one strided copy;
 * each backward is the adjoint copy (a sum over broadcast dimensions, the inverse permutation,
 * writing into a slice of zeros, slicing the gradient).
 */
public final class Layout {
    private Layout() {
    }

    /** Broadcast copy to {@code shape}; the graph walk sums the gradient back to the input's shape. */
    public static Tensor expand(Tensor x, Shape shape) {
        if (!x.shape().broadcastsTo(shape)) {
            throw new IllegalArgumentException("expand: shape " + x.shape() + " cannot be broadcast to " + shape);
        }
        Tensor out = Tensor.zeros(shape);
        Backends.current().stridedCopy(shape.dims(), x.storage(), 0, x.shape().broadcastStrides(shape),
                out.storage(), 0, shape.strides());
        return Autograd.op("expand", x).result(out, (g, needs) -> new Tensor[] {g});
    }

    public static Tensor transpose(Tensor x, int d0, int d1) {
        int a = x.shape().axis("transpose", d0);
        int b = x.shape().axis("transpose", d1);
        int[] order = new int[x.rank()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        order[a] = b;
        order[b] = a;
        return permute(x, order);
    }

    public static Tensor permute(Tensor x, int... order) {
        int r = x.rank();
        if (order.length != r) {
            throw new IllegalArgumentException("permute: order " + Arrays.toString(order) + " for shape " + x.shape()
                    + " needs " + r + " dimensions");
        }
        int[] axes = new int[r];
        boolean[] seen = new boolean[r];
        for (int i = 0; i < r; i++) {
            axes[i] = x.shape().axis("permute", order[i]);
            if (seen[axes[i]]) {
                throw new IllegalArgumentException("permute: " + Arrays.toString(order) + " is not a permutation of "
                        + r + " dimensions");
            }
            seen[axes[i]] = true;
        }
        int[] inStrides = x.shape().strides();
        int[] outDims = new int[r];
        int[] srcStrides = new int[r];
        int[] inverse = new int[r];
        for (int i = 0; i < r; i++) {
            outDims[i] = x.size(axes[i]);
            srcStrides[i] = inStrides[axes[i]];
            inverse[axes[i]] = i;
        }
        Shape outShape = Shape.of(outDims);
        Tensor out = Tensor.zeros(outShape);
        Backends.current().stridedCopy(outDims, x.storage(), 0, srcStrides, out.storage(), 0, outShape.strides());
        return Autograd.op("permute", x).result(out, (g, needs) -> new Tensor[] {g.permute(inverse)});
    }

    /**
     * Entries {@code start, start + step, ...} below {@code end} along {@code dim}. Negative
     * {@code start} and {@code end} count from the end; both are clamped to the dimension, as in Python
     * slicing.
     */
    public static Tensor slice(Tensor x, int dim, int start, int end, int step) {
        int a = x.shape().axis("slice", dim);
        int size = x.size(a);
        if (step <= 0) {
            throw new IllegalArgumentException("slice: step must be positive, got " + step);
        }
        int s = clampIndex(start, size);
        int e = clampIndex(end, size);
        int length = e <= s ? 0 : (e - s + step - 1) / step;
        int[] strides = x.shape().strides();
        int offset = s * strides[a];
        int[] stepped = strides.clone();
        stepped[a] *= step;
        int[] outDims = x.dims();
        outDims[a] = length;
        Shape outShape = Shape.of(outDims);
        Tensor out = Tensor.zeros(outShape);
        Backends.current().stridedCopy(outDims, x.storage(), offset, stepped, out.storage(), 0, outShape.strides());
        return Autograd.op("slice", x).result(out, (g, needs) -> {
            Tensor gx = Tensor.zeros(x.shape());
            Backends.current().stridedCopy(outDims, g.storage(), 0, outShape.strides(), gx.storage(), offset, stepped);
            return new Tensor[] {gx};
        });
    }

    /** Entries {@code [start, start + length)} along {@code dim}; the range must lie inside the dimension. */
    public static Tensor narrow(Tensor x, int dim, int start, int length) {
        int a = x.shape().axis("narrow", dim);
        if (start < 0 || length < 0 || start + length > x.size(a)) {
            throw new IllegalArgumentException("narrow: start " + start + " and length " + length
                    + " do not fit dimension " + a + " of size " + x.size(a) + " in shape " + x.shape());
        }
        return slice(x, a, start, start + length, 1);
    }

    public static Tensor concat(List<Tensor> tensors, int dim) {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("concat: no tensors");
        }
        Tensor first = tensors.get(0);
        int a = first.shape().axis("concat", dim);
        int total = 0;
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            if (t.rank() != first.rank()) {
                throw new IllegalArgumentException("concat: tensor " + i + " has shape " + t.shape()
                        + ", tensor 0 has shape " + first.shape() + " (ranks differ)");
            }
            for (int d = 0; d < t.rank(); d++) {
                if (d != a && t.size(d) != first.size(d)) {
                    throw new IllegalArgumentException("concat: tensor " + i + " has shape " + t.shape()
                            + ", tensor 0 has shape " + first.shape() + "; only dimension " + a + " may differ");
                }
            }
            total += t.size(a);
        }
        int[] outDims = first.dims();
        outDims[a] = total;
        Shape outShape = Shape.of(outDims);
        int[] outStrides = outShape.strides();
        Tensor out = Tensor.zeros(outShape);
        int[] starts = new int[tensors.size()];
        int at = 0;
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            starts[i] = at;
            Backends.current().stridedCopy(t.dims(), t.storage(), 0, t.shape().strides(),
                    out.storage(), at * outStrides[a], outStrides);
            at += t.size(a);
        }
        Tensor[] inputs = tensors.toArray(new Tensor[0]);
        return Autograd.op("concat", inputs).result(out, (g, needs) -> {
            Tensor[] grads = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                if (needs[i]) {
                    grads[i] = narrow(g, a, starts[i], inputs[i].size(a));
                }
            }
            return grads;
        });
    }

    public static Tensor stack(List<Tensor> tensors, int dim) {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("stack: no tensors");
        }
        Shape s = tensors.get(0).shape();
        List<Tensor> lifted = new ArrayList<>(tensors.size());
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            if (!t.shape().equals(s)) {
                throw new IllegalArgumentException("stack: tensor " + i + " has shape " + t.shape()
                        + ", tensor 0 has shape " + s + "; all must be equal");
            }
            lifted.add(t.unsqueeze(dim));
        }
        return concat(lifted, dim);
    }

    private static int clampIndex(int i, int size) {
        int v = i < 0 ? i + size : i;
        return Math.max(0, Math.min(size, v));
    }
}
