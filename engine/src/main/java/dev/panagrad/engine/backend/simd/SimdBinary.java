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

    /**
     * One row: {@code out[oo + i] = op(a[ao + i sa], b[bo + i sb])}. The vector loop covers the patterns
     * where each operand is contiguous or broadcast; the op's switch sits inside it, so no vector crosses
     * a method call: a call the JIT declines to inline (it would once the callee had a large compiled
     * body of its own) makes it allocate every vector, which it did, some 440 MB per CCKD step.
     */
    private static void row(BinaryOp op, float[] a, int ao, int sa, float[] b, int bo, int sb,
                            float[] out, int oo, int len) {
        int i = 0;
        int end = S.loopBound(len);
        if ((sa == 1 || sa == 0) && (sb == 1 || sb == 0) && sa + sb > 0) {
            FloatVector constA = FloatVector.broadcast(S, sa == 0 ? a[ao] : 0f);
            FloatVector constB = FloatVector.broadcast(S, sb == 0 ? b[bo] : 0f);
            FloatVector zero = FloatVector.zero(S);
            for (; i < end; i += L) {
                FloatVector x = sa == 1 ? FloatVector.fromArray(S, a, ao + i) : constA;
                FloatVector y = sb == 1 ? FloatVector.fromArray(S, b, bo + i) : constB;
                FloatVector r = switch (op) {
                    case ADD -> x.add(y);
                    case SUB -> x.sub(y);
                    case MUL -> x.mul(y);
                    case DIV -> x.div(y);
                    case MAX -> x.max(y);
                    case MIN -> x.min(y);
                    case GT -> zero.blend(1f, x.compare(VectorOperators.GT, y));
                    case GE -> zero.blend(1f, x.compare(VectorOperators.GE, y));
                    case LT -> zero.blend(1f, x.compare(VectorOperators.LT, y));
                    case LE -> zero.blend(1f, x.compare(VectorOperators.LE, y));
                    case EQ -> zero.blend(1f, x.compare(VectorOperators.EQ, y));
                    case NE -> zero.blend(1f, x.compare(VectorOperators.NE, y));
                };
                r.intoArray(out, oo + i);
            }
        }
        for (; i < len; i++) {
            out[oo + i] = op.apply(a[ao + i * sa], b[bo + i * sb]);
        }
    }
}
