package dev.panagrad.engine.backend.simd;

import dev.panagrad.engine.backend.Parallel;
import dev.panagrad.engine.backend.ReduceOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorised reductions of [outer, size, inner] along the middle axis.
 *
 * <p>With {@code inner == 1} each row is contiguous: lanes accumulate side by side and are combined
 * at the end. Long rows are cut into fixed chunks of {@link #CHUNK} whose partial results combine in
 * order, so the result does not depend on the thread count. With {@code inner > 1}, whole rows of
 * {@code inner} values are combined element-wise, which vectorises along {@code inner}.
 */
final class SimdReductions {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    static final int CHUNK = 1 << 14;

    private SimdReductions() {
    }

    static void reduce(ReduceOp op, float[] x, int outer, int size, int inner, float[] out) {
        if (inner == 1) {
            reduceRows(op, x, outer, size, out);
        } else {
            reduceColumns(op, x, outer, size, inner, out);
        }
    }

    private static void reduceRows(ReduceOp op, float[] x, int outer, int size, float[] out) {
        int chunks = Math.max(1, (size + CHUNK - 1) / CHUNK);
        if (chunks == 1) {
            Parallel.forRange(outer, Math.max(1, SimdMaps.GRAIN / Math.max(1, size)), (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    out[r] = contiguous(op, x, r * size, size);
                }
            });
            return;
        }
        float[] partial = new float[outer * chunks];
        Parallel.forEach(outer * chunks, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int r = t / chunks;
                int c = t % chunks;
                int from = c * CHUNK;
                partial[t] = contiguous(op, x, r * size + from, Math.min(CHUNK, size - from));
            }
        });
        for (int r = 0; r < outer; r++) {
            float acc = op.identity();
            for (int c = 0; c < chunks; c++) {
                acc = op.combine(acc, partial[r * chunks + c]);
            }
            out[r] = acc;
        }
    }

    /** Reduces {@code x[from, from + n)}. */
    static float contiguous(ReduceOp op, float[] x, int from, int n) {
        int end = S.loopBound(n);
        int i = 0;
        float acc;
        switch (op) {
            case SUM -> {
                FloatVector v0 = FloatVector.zero(S);
                FloatVector v1 = FloatVector.zero(S);
                for (; i + L < end; i += 2 * L) {
                    v0 = v0.add(FloatVector.fromArray(S, x, from + i));
                    v1 = v1.add(FloatVector.fromArray(S, x, from + i + L));
                }
                for (; i < end; i += L) {
                    v0 = v0.add(FloatVector.fromArray(S, x, from + i));
                }
                acc = Lanes.sum(v0.add(v1));
            }
            case MAX -> {
                FloatVector v = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
                for (; i < end; i += L) {
                    v = v.max(FloatVector.fromArray(S, x, from + i));
                }
                acc = v.reduceLanes(VectorOperators.MAX);
            }
            case MIN -> {
                FloatVector v = FloatVector.broadcast(S, Float.POSITIVE_INFINITY);
                for (; i < end; i += L) {
                    v = v.min(FloatVector.fromArray(S, x, from + i));
                }
                acc = v.reduceLanes(VectorOperators.MIN);
            }
            default -> throw new AssertionError(op);
        }
        for (; i < n; i++) {
            acc = op.combine(acc, x[from + i]);
        }
        return acc;
    }

    private static void reduceColumns(ReduceOp op, float[] x, int outer, int size, int inner, float[] out) {
        int blocks = Math.max(1, Math.min((inner + 255) / 256, 4 * Parallel.threads()));
        int tasks = outer * blocks;
        int work = outer * size * inner;
        Parallel.Range body = (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int r = t / blocks;
                int b = t % blocks;
                int from = (int) ((long) inner * b / blocks);
                int to = (int) ((long) inner * (b + 1) / blocks);
                columns(op, x, r * size * inner, size, inner, from, to, out, r * inner);
            }
        };
        if (work < SimdMaps.GRAIN) {
            body.run(0, tasks);
        } else {
            Parallel.forEach(tasks, body);
        }
    }

    /** out[o + i] = op over s of x[base + s * inner + i], for i in [from, to). */
    private static void columns(ReduceOp op, float[] x, int base, int size, int inner, int from, int to,
                                float[] out, int o) {
        java.util.Arrays.fill(out, o + from, o + to, op.identity());
        int end = from + S.loopBound(to - from);
        for (int s = 0; s < size; s++) {
            int row = base + s * inner;
            int i = from;
            switch (op) {
                case SUM -> {
                    for (; i < end; i += L) {
                        FloatVector.fromArray(S, out, o + i).add(FloatVector.fromArray(S, x, row + i)).intoArray(out, o + i);
                    }
                }
                case MAX -> {
                    for (; i < end; i += L) {
                        FloatVector.fromArray(S, out, o + i).max(FloatVector.fromArray(S, x, row + i)).intoArray(out, o + i);
                    }
                }
                case MIN -> {
                    for (; i < end; i += L) {
                        FloatVector.fromArray(S, out, o + i).min(FloatVector.fromArray(S, x, row + i)).intoArray(out, o + i);
                    }
                }
            }
            for (; i < to; i++) {
                out[o + i] = op.combine(out[o + i], x[row + i]);
            }
        }
    }
}
