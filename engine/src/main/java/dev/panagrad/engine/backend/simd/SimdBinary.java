package dev.panagrad.engine.backend.simd;

import dev.panagrad.engine.backend.Parallel;
import dev.panagrad.engine.backend.BinaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorised binary ops with broadcasting. After {@link StridedLayout} merges dimensions, the
 * innermost run of each operand is contiguous (stride 1) or a single broadcast value (stride 0); each
 * of those patterns has a vector loop, anything else a scalar one.
 */
final class SimdBinary {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private SimdBinary() {
    }

    static void binary(BinaryOp op, int[] shape, float[] a, int[] aStrides, float[] b, int[] bStrides, float[] out) {
        StridedLayout lay = StridedLayout.of(shape, aStrides, bStrides);
        int rows = lay.rows();
        int len = lay.rowLength();
        int sa = lay.innerStride(0);
        int sb = lay.innerStride(1);
        if (rows == 1) {
            Parallel.forRange(len, SimdMaps.GRAIN, (from, to) ->
                    row(op, a, from * sa, sa, b, from * sb, sb, out, from, to - from));
            return;
        }
        Parallel.forRange(rows, Math.max(1, SimdMaps.GRAIN / Math.max(1, len)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                row(op, a, lay.rowOffset(0, r), sa, b, lay.rowOffset(1, r), sb, out, r * len, len);
            }
        });
    }

    private static void row(BinaryOp op, float[] a, int ao, int sa, float[] b, int bo, int sb,
                            float[] out, int oo, int len) {
        int i = 0;
        int end = S.loopBound(len);
        if (sa == 1 && sb == 1) {
            for (; i < end; i += L) {
                apply(op, FloatVector.fromArray(S, a, ao + i), FloatVector.fromArray(S, b, bo + i)).intoArray(out, oo + i);
            }
        } else if (sa == 1 && sb == 0) {
            FloatVector vb = FloatVector.broadcast(S, b[bo]);
            for (; i < end; i += L) {
                apply(op, FloatVector.fromArray(S, a, ao + i), vb).intoArray(out, oo + i);
            }
        } else if (sa == 0 && sb == 1) {
            FloatVector va = FloatVector.broadcast(S, a[ao]);
            for (; i < end; i += L) {
                apply(op, va, FloatVector.fromArray(S, b, bo + i)).intoArray(out, oo + i);
            }
        }
        for (; i < len; i++) {
            out[oo + i] = op.apply(a[ao + i * sa], b[bo + i * sb]);
        }
    }

    private static FloatVector apply(BinaryOp op, FloatVector a, FloatVector b) {
        return switch (op) {
            case ADD -> a.add(b);
            case SUB -> a.sub(b);
            case MUL -> a.mul(b);
            case DIV -> a.div(b);
            case MAX -> a.max(b);
            case MIN -> a.min(b);
            case GT -> ones(a.compare(VectorOperators.GT, b));
            case GE -> ones(a.compare(VectorOperators.GE, b));
            case LT -> ones(a.compare(VectorOperators.LT, b));
            case LE -> ones(a.compare(VectorOperators.LE, b));
            case EQ -> ones(a.compare(VectorOperators.EQ, b));
            case NE -> ones(a.compare(VectorOperators.NE, b));
        };
    }

    private static FloatVector ones(jdk.incubator.vector.VectorMask<Float> mask) {
        return FloatVector.zero(S).blend(1f, mask);
    }
}
