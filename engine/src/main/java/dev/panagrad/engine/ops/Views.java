package dev.panagrad.engine.ops;

import dev.panagrad.engine.Autograd;
import dev.panagrad.engine.Shape;
import dev.panagrad.engine.Tensor;
import java.util.Arrays;

/**
 * Ops that change only the shape: the result shares the input's storage (and its version counter),
 * and the gradient is the output gradient reshaped back.
 */
public final class Views {
    private Views() {
    }

    /** A view with the given dimensions; one may be -1, inferred from the element count. */
    public static Tensor reshape(Tensor x, int... dims) {
        return view("reshape", x, infer(x.shape(), dims));
    }

    /** Dimensions {@code start..end} (inclusive, negative from the end) merged into one. */
    public static Tensor flatten(Tensor x, int start, int end) {
        if (x.rank() == 0) {
            return view("flatten", x, Shape.of(1));
        }
        int s = x.shape().axis("flatten", start);
        int e = x.shape().axis("flatten", end);
        if (s > e) {
            throw new IllegalArgumentException("flatten: start dimension " + start + " comes after end dimension "
                    + end + " in shape " + x.shape());
        }
        int[] d = x.dims();
        int[] out = new int[d.length - (e - s)];
        System.arraycopy(d, 0, out, 0, s);
        out[s] = x.shape().product(s, e + 1);
        System.arraycopy(d, e + 1, out, s + 1, d.length - e - 1);
        return view("flatten", x, Shape.of(out));
    }

    public static Tensor squeeze(Tensor x) {
        return view("squeeze", x, Shape.of(Arrays.stream(x.dims()).filter(v -> v != 1).toArray()));
    }

    public static Tensor squeeze(Tensor x, int dim) {
        int a = x.shape().axis("squeeze", dim);
        if (x.size(a) != 1) {
            return x;
        }
        int[] d = x.dims();
        int[] out = new int[d.length - 1];
        System.arraycopy(d, 0, out, 0, a);
        System.arraycopy(d, a + 1, out, a, d.length - a - 1);
        return view("squeeze", x, Shape.of(out));
    }

    public static Tensor unsqueeze(Tensor x, int dim) {
        int r = x.rank() + 1;
        if (dim < -r || dim >= r) {
            throw new IllegalArgumentException("unsqueeze: dimension " + dim + " out of range for shape " + x.shape()
                    + " (valid: " + -r + " to " + (r - 1) + ")");
        }
        int a = dim < 0 ? dim + r : dim;
        int[] d = x.dims();
        int[] out = new int[r];
        System.arraycopy(d, 0, out, 0, a);
        out[a] = 1;
        System.arraycopy(d, a, out, a + 1, d.length - a);
        return view("unsqueeze", x, Shape.of(out));
    }

    private static Tensor view(String name, Tensor x, Shape shape) {
        Tensor out = Tensor.fromStorage(x.storage(), shape);
        Shape in = x.shape();
        return Autograd.op(name, x).result(out, (g, needs) -> new Tensor[] {g.reshape(in.dims())});
    }

    private static Shape infer(Shape from, int[] dims) {
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == -1) {
                if (unknown >= 0) {
                    throw new IllegalArgumentException("reshape: more than one -1 in " + Arrays.toString(dims));
                }
                unknown = i;
            } else if (dims[i] < 0) {
                throw new IllegalArgumentException("reshape: negative dimension " + dims[i] + " in "
                        + Arrays.toString(dims));
            } else {
                known *= dims[i];
            }
        }
        int[] out = dims.clone();
        if (unknown >= 0) {
            if (known == 0 || from.numel() % known != 0) {
                throw new IllegalArgumentException("reshape: cannot view " + from + " (" + from.numel()
                        + " elements) as " + Arrays.toString(dims));
            }
            out[unknown] = (int) (from.numel() / known);
            known *= out[unknown];
        }
        if (known != from.numel()) {
            throw new IllegalArgumentException("reshape: cannot view " + from + " (" + from.numel() + " elements) as "
                    + Arrays.toString(dims) + " (" + known + " elements)");
        }
        return Shape.of(out);
    }
}
