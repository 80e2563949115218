package dev.panagrad.engine.backend.simd;

import dev.panagrad.engine.backend.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The indexing kernels: where (select), index select and its gradient index add, gather and its
 * gradient scatter add. Each walks its operands row by row along the innermost dimension, so that the
 * offsets are computed once per row rather than once per element, and a row moves as vectors where its
 * layout allows. Rows that write to different places run in parallel; the two accumulating kernels keep
 * rows that may hit the same place on one thread, in the reference order.
 */
final class SimdIndexing {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private SimdIndexing() {
    }

    /** {@code out[i] = cond[i] != 0 ? a[i] : b[i]}, each operand with its own (broadcast) strides. */
    static void select(int[] shape, float[] cond, int[] condStrides, float[] a, int[] aStrides, float[] b,
                       int[] bStrides, float[] out) {
        StridedLayout lay = StridedLayout.of(shape, condStrides, aStrides, bStrides);
        int len = lay.rowLength();
        int sc = lay.innerStride(0);
        int sa = lay.innerStride(1);
        int sb = lay.innerStride(2);
        Parallel.forRange(lay.rows(), Math.max(1, SimdMaps.GRAIN / Math.max(1, len)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int co = lay.rowOffset(0, r);
                int ao = lay.rowOffset(1, r);
                int bo = lay.rowOffset(2, r);
                int oo = r * len;
                int i = 0;
                if (sc == 1 && sa == 1 && sb == 1) {
                    for (int end = S.loopBound(len); i < end; i += L) {
                        VectorMask<Float> take = FloatVector.fromArray(S, cond, co + i).compare(VectorOperators.NE, 0f);
                        FloatVector.fromArray(S, b, bo + i).blend(FloatVector.fromArray(S, a, ao + i), take)
                                .intoArray(out, oo + i);
                    }
                }
                for (; i < len; i++) {
                    out[oo + i] = cond[co + i * sc] != 0f ? a[ao + i * sa] : b[bo + i * sb];
                }
            }
        });
    }

    /** For x as {@code [outer, size, inner]}: {@code out[r, j, :] = x[r, index[j], :]}. */
    static void indexSelect(float[] x, int outer, int size, int inner, int[] index, float[] out) {
        int rows = outer * index.length;
        Parallel.forRange(rows, Math.max(1, SimdMaps.GRAIN / Math.max(1, inner)), (r0, r1) -> {
            for (int row = r0; row < r1; row++) {
                int r = row / index.length;
                int j = row % index.length;
                System.arraycopy(x, (r * size + index[j]) * inner, out, row * inner, inner);
            }
        });
    }

    /**
     * {@code gx[r, index[j], :] += g[r, j, :]}. An index may repeat, so the rows of one {@code r} add in
     * order on one thread; different {@code r} run in parallel.
     */
    static void indexAdd(float[] g, int outer, int size, int inner, int[] index, float[] gx) {
        Parallel.forRange(outer, Math.max(1, SimdMaps.GRAIN / Math.max(1, inner * index.length)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                for (int j = 0; j < index.length; j++) {
                    addRow(g, (r * index.length + j) * inner, gx, (r * size + index[j]) * inner, inner);
                }
            }
        });
    }

    private static void addRow(float[] src, int so, float[] dst, int dof, int len) {
        int i = 0;
        for (int end = S.loopBound(len); i < end; i += L) {
            FloatVector.fromArray(S, dst, dof + i).add(FloatVector.fromArray(S, src, so + i)).intoArray(dst, dof + i);
        }
        for (; i < len; i++) {
            dst[dof + i] += src[so + i];
        }
    }

    /**
     * {@code out[e] = x[offset of e's coordinates, with coordinate dim replaced by index[e]]}, {@code out}
     * and {@code index} contiguous of shape {@code indexShape}. Along the last dimension with unit stride
     * the row is one vector gather per {@code L} elements.
     */
    static void gather(int[] indexShape, int dim, int[] index, float[] x, int[] xStrides, float[] out) {
        IndexRows rows = IndexRows.of(indexShape, dim, xStrides);
        boolean vectorGather = rows.along == 0 && rows.across == 1;
        Parallel.forRange(rows.count, Math.max(1, SimdMaps.GRAIN / Math.max(1, rows.length)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int base = rowBase(indexShape, dim, xStrides, r);
                int e0 = r * rows.length;
                int i = 0;
                if (vectorGather) {
                    for (int end = S.loopBound(rows.length); i < end; i += L) {
                        FloatVector.fromArray(S, x, base, index, e0 + i).intoArray(out, e0 + i);
                    }
                }
                for (; i < rows.length; i++) {
                    out[e0 + i] = x[base + i * rows.along + index[e0 + i] * rows.across];
                }
            }
        });
    }

    /**
     * The gradient of {@link #gather}: {@code gx[offset of e with coordinate dim = index[e]] += g[e]}.
     * Indices may repeat anywhere, so it runs on one thread in element order, like the reference.
     */
    static void scatterAdd(int[] indexShape, int dim, int[] index, float[] g, float[] gx, int[] gxStrides) {
        IndexRows rows = IndexRows.of(indexShape, dim, gxStrides);
        for (int r = 0; r < rows.count; r++) {
            int base = rowBase(indexShape, dim, gxStrides, r);
            int e0 = r * rows.length;
            for (int i = 0; i < rows.length; i++) {
                gx[base + i * rows.along + index[e0 + i] * rows.across] += g[e0 + i];
            }
        }
    }

    /**
     * The index tensor as rows along its last dimension: {@code count} rows of {@code length} elements.
     * Element i of a row sits at {@code i * along + index * across} from the row's base: {@code along} is
     * the last dimension's stride, or 0 when the last dimension is {@code dim}, whose offset comes from
     * the index alone; {@code across} is the stride of {@code dim}.
     */
    private record IndexRows(int count, int length, int along, int across) {
        static IndexRows of(int[] indexShape, int dim, int[] strides) {
            int last = indexShape.length - 1;
            int length = indexShape[last];
            int elements = 1;
            for (int d : indexShape) {
                elements *= d;
            }
            return new IndexRows(length == 0 ? 0 : elements / length, length, dim == last ? 0 : strides[last],
                    strides[dim]);
        }
    }

    /** The offset of row {@code row}'s coordinates before the last dimension, leaving out {@code dim}. */
    private static int rowBase(int[] shape, int dim, int[] strides, int row) {
        int off = 0;
        for (int d = shape.length - 2; d >= 0; d--) {
            int i = row % shape[d];
            row /= shape[d];
            if (d != dim) {
                off += i * strides[d];
            }
        }
        return off;
    }
}
