package dev.panagrad.engine.backend.simd;

import dev.panagrad.engine.Parallel;
import dev.panagrad.engine.backend.ReduceOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorised softmax and log-softmax over contiguous rows (the last axis, {@code inner == 1}), with
 * their backward passes. Rows are independent, so they run in parallel.
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
}
