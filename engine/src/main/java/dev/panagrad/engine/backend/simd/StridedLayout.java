package dev.panagrad.engine.backend.simd;

/**
 * An n-dimensional iteration over one contiguous output and several strided operands, simplified:
 * dimensions of size 1 are dropped and neighbouring dimensions that every operand walks contiguously
 * are merged. {@code [64, 16, 32, 32] + [1, 16, 1, 1]} becomes {@code [1024, 1024]} with the bias
 * strides {@code [1, 0]}: one row per (n, c), one broadcast value per row.
 */
final class StridedLayout {
    /** The merged shape; rank at least 1. */
    final int[] shape;
    /** {@code strides[operand][dim]}. */
    final int[][] strides;

    private StridedLayout(int[] shape, int[][] strides) {
        this.shape = shape;
        this.strides = strides;
    }

    static StridedLayout of(int[] shape, int[]... operandStrides) {
        int ops = operandStrides.length;
        int[] dims = new int[shape.length];
        int[][] st = new int[ops][shape.length];
        int r = 0;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) {
                continue;
            }
            boolean merge = r > 0;
            for (int o = 0; o < ops && merge; o++) {
                merge = st[o][r - 1] == operandStrides[o][d] * shape[d];
            }
            if (merge) {
                dims[r - 1] *= shape[d];
                for (int o = 0; o < ops; o++) {
                    st[o][r - 1] = operandStrides[o][d];
                }
            } else {
                dims[r] = shape[d];
                for (int o = 0; o < ops; o++) {
                    st[o][r] = operandStrides[o][d];
                }
                r++;
            }
        }
        if (r == 0) {
            return new StridedLayout(new int[] {1}, new int[ops][1]);
        }
        int[] outShape = java.util.Arrays.copyOf(dims, r);
        int[][] outStrides = new int[ops][];
        for (int o = 0; o < ops; o++) {
            outStrides[o] = java.util.Arrays.copyOf(st[o], r);
        }
        return new StridedLayout(outShape, outStrides);
    }

    int rank() {
        return shape.length;
    }

    /** Length of the innermost dimension. */
    int rowLength() {
        return shape[shape.length - 1];
    }

    /** Number of rows: the product of all but the innermost dimension. */
    int rows() {
        int n = 1;
        for (int d = 0; d < shape.length - 1; d++) {
            n *= shape[d];
        }
        return n;
    }

    /** Offset of row {@code row} for operand {@code operand}. */
    int rowOffset(int operand, int row) {
        int off = 0;
        int[] s = strides[operand];
        for (int d = shape.length - 2; d >= 0; d--) {
            int i = row % shape[d];
            row /= shape[d];
            off += i * s[d];
        }
        return off;
    }

    /** Stride of the innermost dimension for {@code operand}. */
    int innerStride(int operand) {
        return strides[operand][shape.length - 1];
    }
}
