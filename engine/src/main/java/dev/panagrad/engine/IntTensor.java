package dev.panagrad.engine;

/**
 * An int32 tensor for indices and class labels: a shape and row-major values. It takes part in no
 * arithmetic and no autodiff; ops such as {@link Tensor#gather} read it.
 */
public final class IntTensor {
    private final int[] data;
    private final Shape shape;

    private IntTensor(int[] data, Shape shape) {
        this.data = data;
        this.shape = shape;
    }

    /** A copy of {@code values} with the given shape; without dimensions, 1-D. */
    public static IntTensor of(int[] values, int... dims) {
        Shape s = dims.length == 0 ? Shape.of(values.length) : Shape.of(dims);
        if (s.numel() != values.length) {
            throw new IllegalArgumentException("IntTensor.of: " + values.length + " values do not fill shape " + s);
        }
        return new IntTensor(values.clone(), s);
    }

    /** Wraps {@code values} without copying; the caller gives up ownership of the array. */
    public static IntTensor wrap(int[] values, Shape shape) {
        if (shape.numel() != values.length) {
            throw new IllegalArgumentException("IntTensor.wrap: " + values.length + " values do not fill shape " + shape);
        }
        return new IntTensor(values, shape);
    }

    public Shape shape() {
        return shape;
    }

    public int numel() {
        return data.length;
    }

    /** The value at flat position {@code i}. */
    public int get(int i) {
        return data[i];
    }

    /** A copy of the values. */
    public int[] toArray() {
        return data.clone();
    }

    /** The values without copying, for kernels; do not modify. */
    public int[] values() {
        return data;
    }

    @Override
    public String toString() {
        int n = Math.min(data.length, 10);
        StringBuilder sb = new StringBuilder("IntTensor(shape=").append(shape).append(", values=[");
        for (int i = 0; i < n; i++) {
            sb.append(i > 0 ? ", " : "").append(data[i]);
        }
        return sb.append(data.length > n ? ", ...])" : "])").toString();
    }
}
