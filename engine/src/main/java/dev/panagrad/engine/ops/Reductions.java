package dev.panagrad.engine.ops;

import dev.panagrad.engine.Autograd;
import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Shape;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.Backends;
import dev.panagrad.engine.backend.ReduceOp;
import java.util.Arrays;

/**
 * Reductions along any set of dimensions, with or without keeping them as size 1. A null or empty
 * dimension list reduces every dimension. The kernel reduces one run of adjacent dimensions at a
 * time, viewed as [outer, size, inner].
 */
public final class Reductions {
    private Reductions() {
    }

    /** Sum; the gradient is the output gradient broadcast back to the input. */
    public static Tensor sum(Tensor x, int[] dims, boolean keepDim) {
        boolean[] reduced = axes("sum", x.shape(), dims);
        Tensor out = reduce(ReduceOp.SUM, x, reduced, keepDim);
        Shape kept = keptShape(x.shape(), reduced);
        return Autograd.op("sum", x).result(out, (g, needs) -> new Tensor[] {g.reshape(kept.dims()).expand(x.dims())});
    }

    /** Mean; the gradient is the output gradient broadcast back and divided by the count. */
    public static Tensor mean(Tensor x, int[] dims, boolean keepDim) {
        boolean[] reduced = axes("mean", x.shape(), dims);
        int count = count(x.shape(), reduced);
        Tensor sum = reduce(ReduceOp.SUM, x, reduced, keepDim);
        Tensor out = sum.mul(1f / count);
        Shape kept = keptShape(x.shape(), reduced);
        return Autograd.op("mean", x).result(out, (g, needs) ->
                new Tensor[] {g.reshape(kept.dims()).mul(1f / count).expand(x.dims())});
    }

    /** Maximum; the gradient is shared equally among the elements equal to the maximum. */
    public static Tensor max(Tensor x, int[] dims, boolean keepDim) {
        return extremum(ReduceOp.MAX, "max", x, dims, keepDim);
    }

    /** Minimum; the gradient is shared equally among the elements equal to the minimum. */
    public static Tensor min(Tensor x, int[] dims, boolean keepDim) {
        return extremum(ReduceOp.MIN, "min", x, dims, keepDim);
    }

    private static Tensor extremum(ReduceOp op, String name, Tensor x, int[] dims, boolean keepDim) {
        boolean[] reduced = axes(name, x.shape(), dims);
        for (int d = 0; d < reduced.length; d++) {
            if (reduced[d] && x.size(d) == 0) {
                throw new IllegalArgumentException(name + ": cannot reduce dimension " + d + " of size 0 in shape "
                        + x.shape());
            }
        }
        Tensor out = reduce(op, x, reduced, keepDim);
        Shape kept = keptShape(x.shape(), reduced);
        int[] reducedDims = indices(reduced);
        return Autograd.op(name, x).saves(x, out).result(out, (g, needs) -> {
            Tensor hit = x.eq(out.reshape(kept.dims()));
            Tensor share = g.reshape(kept.dims()).div(hit.sum(reducedDims, true));
            return new Tensor[] {hit.mul(share)};
        });
    }

    /** Variance dividing by {@code n - correction}, from differentiable ops (two-pass, stable). */
    public static Tensor var(Tensor x, int[] dims, int correction, boolean keepDim) {
        boolean[] reduced = axes("var", x.shape(), dims);
        int n = count(x.shape(), reduced);
        int[] reducedDims = indices(reduced);
        Tensor centred = x.sub(x.mean(reducedDims, true));
        return centred.mul(centred).sum(reducedDims, keepDim).mul(1f / (n - correction));
    }

    /** Sums {@code x} down to {@code target}, a shape that broadcasts to x's shape. */
    public static Tensor sumTo(Tensor x, Shape target) {
        if (x.shape().equals(target)) {
            return x;
        }
        if (!target.broadcastsTo(x.shape())) {
            throw new IllegalArgumentException("sumTo: shape " + target + " does not broadcast to " + x.shape());
        }
        int lead = x.rank() - target.rank();
        boolean[] reduced = new boolean[x.rank()];
        for (int d = 0; d < x.rank(); d++) {
            reduced[d] = d < lead || (target.dim(d - lead) == 1 && x.size(d) != 1);
        }
        return sum(x, indices(reduced), true).reshape(target.dims());
    }

    /** Reduces the marked dimensions, innermost run first; the result is a fresh tensor. */
    static Tensor reduce(ReduceOp op, Tensor x, boolean[] reduced, boolean keepDim) {
        int rank = x.rank();
        int[] cur = x.dims();
        Tensor t = x;
        int d = rank - 1;
        while (d >= 0) {
            if (!reduced[d]) {
                d--;
                continue;
            }
            int end = d + 1;
            while (d >= 0 && reduced[d]) {
                d--;
            }
            int start = d + 1;
            int outer = product(cur, 0, start);
            int size = product(cur, start, end);
            int inner = product(cur, end, rank);
            Arrays.fill(cur, start, end, 1);
            Tensor next = Tensor.zeros(cur);
            Backends.current().reduce(op, t.storage(), outer, size, inner, next.storage());
            t = next;
        }
        if (t == x) {
            t = x.copy();
        }
        Shape result = keepDim ? Shape.of(cur) : droppedShape(x.shape(), reduced);
        return Tensor.fromStorage(t.storage(), result);
    }

    /** Which dimensions a reduction covers; null or empty means all. Rejects repeats and bad indices. */
    static boolean[] axes(String op, Shape shape, int[] dims) {
        boolean[] reduced = new boolean[shape.rank()];
        if (dims == null || dims.length == 0) {
            Arrays.fill(reduced, true);
            return reduced;
        }
        for (int d : dims) {
            int a = shape.axis(op, d);
            if (reduced[a]) {
                throw new IllegalArgumentException(op + ": dimension " + a + " appears twice in "
                        + Arrays.toString(dims) + " for shape " + shape);
            }
            reduced[a] = true;
        }
        return reduced;
    }

    static Shape keptShape(Shape s, boolean[] reduced) {
        int[] d = s.dims();
        for (int i = 0; i < d.length; i++) {
            if (reduced[i]) {
                d[i] = 1;
            }
        }
        return Shape.of(d);
    }

    private static Shape droppedShape(Shape s, boolean[] reduced) {
        return Shape.of(Arrays.stream(indices(negate(reduced))).map(s::dim).toArray());
    }

    private static boolean[] negate(boolean[] b) {
        boolean[] r = new boolean[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = !b[i];
        }
        return r;
    }

    static int[] indices(boolean[] marked) {
        int n = 0;
        for (boolean b : marked) {
            n += b ? 1 : 0;
        }
        int[] out = new int[n];
        for (int i = 0, j = 0; i < marked.length; i++) {
            if (marked[i]) {
                out[j++] = i;
            }
        }
        return out;
    }

    private static int count(Shape s, boolean[] reduced) {
        int n = 1;
        for (int d = 0; d < reduced.length; d++) {
            if (reduced[d]) {
                n *= s.dim(d);
            }
        }
        return n;
    }

    private static int product(int[] dims, int from, int to) {
        int p = 1;
        for (int i = from; i < to; i++) {
            p *= dims[i];
        }
        return p;
    }

    /** The reduction with no graph, for callers that only need values. */
    static Tensor values(ReduceOp op, Tensor x, int dim, boolean keepDim) {
        try (var ignored = Grad.disabled()) {
            boolean[] reduced = axes(op.name().toLowerCase(java.util.Locale.ROOT), x.shape(), new int[] {dim});
            return reduce(op, x, reduced, keepDim);
        }
    }
}
