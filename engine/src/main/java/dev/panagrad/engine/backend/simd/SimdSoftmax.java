package dev.panagrad.engine.backend.simd;

import dev.panagrad.engine.backend.Parallel;
import dev.panagrad.engine.backend.ReduceOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorised softmax and log-softmax with their backward passes, on x viewed as {@code [outer, size,
 * inner]} along the middle axis. Over contiguous rows ({@code inner == 1}) the vectors run along the
 * row; otherwise they run across {@code inner}, where each lane is a column of its own and sums its
 * {@code size} terms in the reference order. Rows (or blocks of columns) are independent, so they run in
 * parallel. The math they implement is written out in {@code engine.ops.Normalization.softmax}.
 */
final class SimdSoftmax {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private SimdSoftmax() {
    }

    static void forward(float[] x, float[] y, int rows, int size, boolean log) {
        Parallel.forRange(rows, Math.max(1, SimdMaps.GRAIN / Math.max(1, size)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                row(x, y, r * size, size, log);
            }
        });
    }

    private static void row(float[] x, float[] y, int base, int size, boolean log) {
        float max = SimdReductions.contiguous(ReduceOp.MAX, x, base, size);
        FloatVector vmax = FloatVector.broadcast(S, max);
        int end = S.loopBound(size);
        // exp by StrictMath, element by element: the Vector API's EXP rounds differently before and
        // after C2 compiles it. The sum runs in vectors, then across lanes in a fixed order.
        for (int j = 0; j < size; j++) {
            y[base + j] = (float) StrictMath.exp(x[base + j] - max);
        }
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i < end; i += L) {
            acc = acc.add(FloatVector.fromArray(S, y, base + i));
        }
        float sum = Lanes.sum(acc);
        for (; i < size; i++) {
            sum += y[base + i];
        }
        i = 0;
        if (log) {
            float logSum = (float) StrictMath.log(sum);
            FloatVector shift = FloatVector.broadcast(S, max + logSum);
            for (; i < end; i += L) {
                FloatVector.fromArray(S, x, base + i).sub(shift).intoArray(y, base + i);
            }
            for (; i < size; i++) {
                y[base + i] = x[base + i] - max - logSum;
            }
        } else {
            FloatVector inv = FloatVector.broadcast(S, 1f / sum);
            for (; i < end; i += L) {
                FloatVector.fromArray(S, y, base + i).mul(inv).intoArray(y, base + i);
            }
            for (; i < size; i++) {
                y[base + i] = y[base + i] / sum;
            }
        }
    }

    static void backward(float[] y, float[] gy, float[] gx, int rows, int size, boolean log) {
        Parallel.forRange(rows, Math.max(1, SimdMaps.GRAIN / Math.max(1, size)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                backwardRow(y, gy, gx, r * size, size, log);
            }
        });
    }

    private static void backwardRow(float[] y, float[] gy, float[] gx, int base, int size, boolean log) {
        int end = S.loopBound(size);
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i < end; i += L) {
            FloatVector g = FloatVector.fromArray(S, gy, base + i);
            acc = log ? acc.add(g) : g.fma(FloatVector.fromArray(S, y, base + i), acc);
        }
        float dot = Lanes.sum(acc);
        for (; i < size; i++) {
            dot += log ? gy[base + i] : gy[base + i] * y[base + i];
        }
        if (log) {
            for (int j = 0; j < size; j++) {
                gx[base + j] = gy[base + j] - (float) StrictMath.exp(y[base + j]) * dot;
            }
            return;
        }
        FloatVector vdot = FloatVector.broadcast(S, dot);
        i = 0;
        for (; i < end; i += L) {
            FloatVector g = FloatVector.fromArray(S, gy, base + i);
            FloatVector.fromArray(S, y, base + i).mul(g.sub(vdot)).intoArray(gx, base + i);
        }
        for (; i < size; i++) {
            gx[base + i] = y[base + i] * (gy[base + i] - dot);
        }
    }
    /** Softmax along the middle axis of {@code [outer, size, inner]}, {@code inner > 1}: lanes run across inner. */
    static void forwardStrided(float[] x, float[] y, int outer, int size, int inner, boolean log) {
        Parallel.forRange(outer, Math.max(1, SimdMaps.GRAIN / Math.max(1, size * inner)), (r0, r1) -> {
            float[] max = new float[inner];
            float[] sum = new float[inner];
            for (int r = r0; r < r1; r++) {
                int base = r * size * inner;
                java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
                java.util.Arrays.fill(sum, 0f);
                for (int s = 0; s < size; s++) {
                    combine(max, x, base + s * inner, inner, true);
                }
                for (int s = 0; s < size; s++) {
                    int o = base + s * inner;
                    for (int i = 0; i < inner; i++) {
                        y[o + i] = (float) StrictMath.exp(x[o + i] - max[i]);
                    }
                    combine(sum, y, o, inner, false);
                }
                if (log) {
                    for (int i = 0; i < inner; i++) {
                        sum[i] = (float) StrictMath.log(sum[i]);
                    }
                }
                for (int s = 0; s < size; s++) {
                    int o = base + s * inner;
                    int i = 0;
                    for (int end = S.loopBound(inner); i < end; i += L) {
                        FloatVector total = FloatVector.fromArray(S, sum, i);
                        FloatVector v = log
                                ? FloatVector.fromArray(S, x, o + i).sub(FloatVector.fromArray(S, max, i)).sub(total)
                                : FloatVector.fromArray(S, y, o + i).div(total);
                        v.intoArray(y, o + i);
                    }
                    for (; i < inner; i++) {
                        y[o + i] = log ? x[o + i] - max[i] - sum[i] : y[o + i] / sum[i];
                    }
                }
            }
        });
    }

    /** The backward pass of {@link #forwardStrided}, from the output {@code y}. */
    static void backwardStrided(float[] y, float[] gy, float[] gx, int outer, int size, int inner, boolean log) {
        Parallel.forRange(outer, Math.max(1, SimdMaps.GRAIN / Math.max(1, size * inner)), (r0, r1) -> {
            float[] dot = new float[inner];
            for (int r = r0; r < r1; r++) {
                int base = r * size * inner;
                java.util.Arrays.fill(dot, 0f);
                for (int s = 0; s < size; s++) {
                    int o = base + s * inner;
                    int i = 0;
                    for (int end = S.loopBound(inner); i < end; i += L) {
                        FloatVector g = FloatVector.fromArray(S, gy, o + i);
                        FloatVector term = log ? g : g.mul(FloatVector.fromArray(S, y, o + i));
                        FloatVector.fromArray(S, dot, i).add(term).intoArray(dot, i);
                    }
                    for (; i < inner; i++) {
                        dot[i] += log ? gy[o + i] : gy[o + i] * y[o + i];
                    }
                }
                for (int s = 0; s < size; s++) {
                    int o = base + s * inner;
                    for (int i = 0; i < inner; i++) {
                        gx[o + i] = log ? gy[o + i] - (float) StrictMath.exp(y[o + i]) * dot[i]
                                : y[o + i] * (gy[o + i] - dot[i]);
                    }
                }
            }
        });
    }

    /** {@code acc[i] = max(acc[i], v[o + i])} or {@code acc[i] += v[o + i]} for i in [0, n). */
    private static void combine(float[] acc, float[] v, int o, int n, boolean max) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector a = FloatVector.fromArray(S, acc, i);
            FloatVector b = FloatVector.fromArray(S, v, o + i);
            (max ? a.max(b) : a.add(b)).intoArray(acc, i);
        }
        for (; i < n; i++) {
            acc[i] = max ? Math.max(acc[i], v[o + i]) : acc[i] + v[o + i];
        }
    }
}
