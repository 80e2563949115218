package dev.panagrad.engine.backend.simd;

import dev.panagrad.engine.backend.Parallel;
import dev.panagrad.engine.backend.PolynomialDifference;
import dev.panagrad.engine.backend.UnaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorised element-wise maps and their derivatives. Each op has its own loop: a shared loop with
 * the op chosen inside would merge vector values from different branches, which C2 may box.
 * Tails shorter than a vector use the scalar formula of {@link UnaryOp}.
 *
 * <p>Transcendental functions (exp, log, tanh, sigmoid, general powers) use the scalar formulas,
 * which call {@code StrictMath}: the Vector API's versions round differently in interpreted and
 * compiled code, which would make a run's bits depend on JIT timing.
 */
final class SimdMaps {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Elements per parallel chunk: large enough that a task outweighs its scheduling. */
    static final int GRAIN = 1 << 15;

    private SimdMaps() {
    }

    static void unary(UnaryOp op, float p, float q, float[] x, float[] y, int count) {
        Parallel.forRange(count, GRAIN, (from, to) -> unaryRange(op, p, q, x, y, from, to));
    }

    static void unaryBackward(UnaryOp op, float p, float q, float[] x, float[] y, float[] gy, float[] gx, int count) {
        Parallel.forRange(count, GRAIN, (from, to) -> backwardRange(op, p, q, x, y, gy, gx, from, to));
    }

    static void axpy(int count, float alpha, float[] x, float[] y) {
        Parallel.forRange(count, GRAIN, (from, to) -> {
            FloatVector a = FloatVector.broadcast(S, alpha);
            int i = from;
            for (int end = from + S.loopBound(to - from); i < end; i += L) {
                FloatVector.fromArray(S, x, i).fma(a, FloatVector.fromArray(S, y, i)).intoArray(y, i);
            }
            for (; i < to; i++) {
                y[i] += alpha * x[i];
            }
        });
    }

    /** {@link PolynomialDifference}, one lane per element. */
    static void polynomialDifference(float[] c, float[] a, float[] b, int count, float[] squared, float[] weighted) {
        int degree = c.length - 1;
        Parallel.forRange(count, GRAIN, (from, to) -> {
            int i = from;
            for (int end = from + S.loopBound(to - from); i < end; i += L) {
                FloatVector s = FloatVector.fromArray(S, a, i);
                FloatVector t = FloatVector.fromArray(S, b, i);
                FloatVector value = FloatVector.broadcast(S, c[degree]);
                FloatVector slope = FloatVector.zero(S);
                FloatVector teacher = value;
                for (int p = degree - 1; p >= 0; p--) {
                    FloatVector cp = FloatVector.broadcast(S, c[p]);
                    slope = slope.fma(s, value);
                    value = value.fma(s, cp);
                    teacher = teacher.fma(t, cp);
                }
                FloatVector d = value.sub(teacher);
                d.mul(d).intoArray(squared, i);
                d.mul(slope).intoArray(weighted, i);
            }
            for (; i < to; i++) {
                PolynomialDifference.element(c, a, b, squared, weighted, i);
            }
        });
    }

    private static void unaryRange(UnaryOp op, float p, float q, float[] x, float[] y, int from, int to) {
        int end = from + S.loopBound(to - from);
        int i = from;
        switch (op) {
            case NEG -> {
                for (; i < end; i += L) {
                    FloatVector.fromArray(S, x, i).neg().intoArray(y, i);
                }
            }
            case AFFINE -> {
                FloatVector vp = FloatVector.broadcast(S, p);
                FloatVector vq = FloatVector.broadcast(S, q);
                for (; i < end; i += L) {
                    FloatVector.fromArray(S, x, i).fma(vp, vq).intoArray(y, i);
                }
            }
            case EXP, LOG, SIGMOID, TANH -> {
                // scalar StrictMath below, for reproducible bits
            }
            case SQRT -> {
                for (; i < end; i += L) {
                    FloatVector.fromArray(S, x, i).sqrt().intoArray(y, i);
                }
            }
            case POW -> i = pow(p, x, y, i, end);
            case ABS -> {
                for (; i < end; i += L) {
                    FloatVector.fromArray(S, x, i).abs().intoArray(y, i);
                }
            }
            case RELU -> {
                for (; i < end; i += L) {
                    FloatVector.fromArray(S, x, i).max(0f).intoArray(y, i);
                }
            }
            case CLAMP -> {
                for (; i < end; i += L) {
                    FloatVector.fromArray(S, x, i).max(p).min(q).intoArray(y, i);
                }
            }
        }
        for (; i < to; i++) {
            y[i] = op.apply(x[i], p, q);
        }
    }

    /**
     * Powers 2, 1 and 0.5 as a multiplication, a copy and a square root; for every other exponent the
     * caller's scalar loop uses StrictMath.
     */
    private static int pow(float p, float[] x, float[] y, int i, int end) {
        if (p == 2f) {
            for (; i < end; i += L) {
                FloatVector v = FloatVector.fromArray(S, x, i);
                v.mul(v).intoArray(y, i);
            }
        } else if (p == 1f) {
            for (; i < end; i += L) {
                FloatVector.fromArray(S, x, i).intoArray(y, i);
            }
        } else if (p == 0.5f) {
            for (; i < end; i += L) {
                FloatVector.fromArray(S, x, i).sqrt().intoArray(y, i);
            }
        }
        return i; // other exponents: the scalar StrictMath formula
    }

    private static void backwardRange(UnaryOp op, float p, float q, float[] x, float[] y, float[] gy, float[] gx,
                                      int from, int to) {
        int end = from + S.loopBound(to - from);
        int i = from;
        switch (op) {
            case NEG -> {
                for (; i < end; i += L) {
                    FloatVector.fromArray(S, gy, i).neg().intoArray(gx, i);
                }
            }
            case AFFINE -> {
                for (; i < end; i += L) {
                    FloatVector.fromArray(S, gy, i).mul(p).intoArray(gx, i);
                }
            }
            case EXP -> {
                for (; i < end; i += L) {
                    FloatVector.fromArray(S, gy, i).mul(FloatVector.fromArray(S, y, i)).intoArray(gx, i);
                }
            }
            case LOG -> {
                for (; i < end; i += L) {
                    FloatVector.fromArray(S, gy, i).div(FloatVector.fromArray(S, x, i)).intoArray(gx, i);
                }
            }
            case SQRT -> {
                for (; i < end; i += L) {
                    FloatVector.fromArray(S, gy, i).div(FloatVector.fromArray(S, y, i).mul(2f)).intoArray(gx, i);
                }
            }
            case ABS -> {
                for (; i < end; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    FloatVector g = FloatVector.fromArray(S, gy, i);
                    FloatVector.zero(S).blend(g, v.compare(VectorOperators.GT, 0f))
                            .blend(g.neg(), v.compare(VectorOperators.LT, 0f))
                            .intoArray(gx, i);
                }
            }
            case RELU -> {
                for (; i < end; i += L) {
                    // gy where y > 0, else 0 (a NaN y too). Blending into zero needs no negated mask, whose
                    // not() C2 left as an allocated boolean[] per vector in some compilations.
                    VectorMask<Float> on = FloatVector.fromArray(S, y, i).compare(VectorOperators.GT, 0f);
                    FloatVector.zero(S).blend(FloatVector.fromArray(S, gy, i), on).intoArray(gx, i);
                }
            }
            case SIGMOID -> {
                for (; i < end; i += L) {
                    FloatVector v = FloatVector.fromArray(S, y, i);
                    FloatVector.fromArray(S, gy, i).mul(v).mul(v.neg().add(1f)).intoArray(gx, i);
                }
            }
            case TANH -> {
                for (; i < end; i += L) {
                    FloatVector v = FloatVector.fromArray(S, y, i);
                    FloatVector.fromArray(S, gy, i).mul(v.mul(v).neg().add(1f)).intoArray(gx, i);
                }
            }
            case CLAMP -> {
                for (; i < end; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    VectorMask<Float> in = v.compare(VectorOperators.GE, p).and(v.compare(VectorOperators.LE, q));
                    FloatVector.zero(S).blend(FloatVector.fromArray(S, gy, i), in).intoArray(gx, i);
                }
            }
            case POW -> {
                if (p == 0f) {
                    for (; i < end; i += L) {
                        FloatVector.zero(S).intoArray(gx, i);
                    }
                } else if (p == 2f) {
                    for (; i < end; i += L) {
                        FloatVector.fromArray(S, x, i).mul(2f).mul(FloatVector.fromArray(S, gy, i)).intoArray(gx, i);
                    }
                }
            }
        }
        for (; i < to; i++) {
            gx[i] = op.grad(x[i], y[i], gy[i], p, q);
        }
    }

    /** {@code out = max(a + b, 0)}, one pass; out may be a. */
    static void addRelu(float[] a, float[] b, float[] out, int count) {
        Parallel.forRange(count, GRAIN, (from, to) -> {
            int i = from;
            for (int end = from + S.loopBound(to - from); i < end; i += L) {
                FloatVector.fromArray(S, a, i).add(FloatVector.fromArray(S, b, i)).max(0f).intoArray(out, i);
            }
            for (; i < to; i++) {
                out[i] = Math.max(a[i] + b[i], 0f);
            }
        });
    }
}
