package dev.panagrad.engine;

import java.util.Arrays;

/**
 * The dimensions of a tensor, immutable. Rank 0 is a scalar (one element).
 *
 * <p>Dimension arguments accept negative values counted from the end, as in PyTorch: {@code -1} is
 * the last dimension.
 */
public final class Shape {
    private static final Shape SCALAR = new Shape(new int[0], 1);

    private final int[] dims;
    private final int numel;

    private Shape(int[] dims, int numel) {
        this.dims = dims;
        this.numel = numel;
    }

    /** A shape with the given dimensions; each must be non-negative and the product must fit an int. */
    public static Shape of(int... dims) {
        if (dims.length == 0) {
            return SCALAR;
        }
        long n = 1;
        for (int d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + ": negative dimension " + d);
            }
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims)
                        + ": more than " + Integer.MAX_VALUE + " elements");
            }
        }
        return new Shape(dims.clone(), (int) n);
    }

    /** The shape of a scalar: rank 0, one element. */
    public static Shape scalar() {
        return SCALAR;
    }

    public int rank() {
        return dims.length;
    }

    /** Number of elements: the product of the dimensions (1 for a scalar). */
    public int numel() {
        return numel;
    }

    /** Size of dimension {@code d}; negative {@code d} counts from the end. */
    public int dim(int d) {
        return dims[axis("shape", d)];
    }

    /** A copy of the dimensions. */
    public int[] dims() {
        return dims.clone();
    }

    /** Row-major (C-order) strides of a contiguous tensor of this shape, in elements. */
    public int[] strides() {
        int[] s = new int[dims.length];
        int acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    /**
     * Normalises a possibly negative dimension index for an op, or throws an exception naming the op.
     *
     * @return the dimension in {@code [0, rank)}
     */
    public int axis(String op, int d) {
        int r = dims.length;
        if (d < -r || d >= r) {
            throw new IllegalArgumentException(op + ": dimension " + d + " out of range for shape " + this
                    + " (rank " + r + ")");
        }
        return d < 0 ? d + r : d;
    }

    /** Product of the dimensions in {@code [from, to)}. */
    public int product(int from, int to) {
        int p = 1;
        for (int i = from; i < to; i++) {
            p *= dims[i];
        }
        return p;
    }

    /**
     * The NumPy broadcast of two shapes: aligned at the right, each pair of dimensions must be equal or
     * one of them 1.
     *
     * @throws IllegalArgumentException naming {@code op} and both shapes when they do not broadcast
     */
    public static Shape broadcast(String op, Shape a, Shape b) {
        if (a.equals(b)) {
            return a;
        }
        int r = Math.max(a.rank(), b.rank());
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i < r - a.rank() ? 1 : a.dims[i - (r - a.rank())];
            int db = i < r - b.rank() ? 1 : b.dims[i - (r - b.rank())];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + a + " and " + b
                        + " do not broadcast: dimension " + i + " of the result would be " + da + " and " + db);
            }
            out[i] = da == 1 ? db : da;
        }
        return of(out);
    }

    /**
     * Strides with which a contiguous tensor of this shape is read as if broadcast to {@code target}:
     * leading missing dimensions and dimensions of size 1 that are expanded get stride 0.
     */
    public int[] broadcastStrides(Shape target) {
        int r = target.rank();
        int[] own = strides();
        int[] s = new int[r];
        int shift = r - dims.length;
        for (int i = 0; i < r; i++) {
            int j = i - shift;
            s[i] = (j < 0 || (dims[j] == 1 && target.dims[i] != 1)) ? 0 : own[j];
        }
        return s;
    }

    /** Whether this shape broadcasts to {@code target} without changing {@code target}. */
    public boolean broadcastsTo(Shape target) {
        if (dims.length > target.rank()) {
            return false;
        }
        int shift = target.rank() - dims.length;
        for (int j = 0; j < dims.length; j++) {
            if (dims[j] != 1 && dims[j] != target.dims[j + shift]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** Formats as {@code [64, 10]}; a scalar is {@code []}. */
    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
