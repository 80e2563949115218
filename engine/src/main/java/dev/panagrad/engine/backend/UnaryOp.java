package dev.panagrad.engine.backend;

/**
 * Element-wise maps {@code y = f(x; p, q)} and their derivatives. The scalar formulas here are the
 * reference semantics; vectorised kernels must agree with them.
 *
 * <p>{@code p} and {@code q} are the op's parameters: the exponent of {@link #POW}, the bounds of
 * {@link #CLAMP}, the scale and shift of {@link #AFFINE}; other ops ignore them.
 */
public enum UnaryOp {
    /** {@code -x}. */
    NEG {
        @Override public float apply(float x, float p, float q) { return -x; }
        @Override public float grad(float x, float y, float gy, float p, float q) { return -gy; }
    },
    /** {@code p * x + q}: multiplication and addition by a scalar. */
    AFFINE {
        @Override public float apply(float x, float p, float q) { return p * x + q; }
        @Override public float grad(float x, float y, float gy, float p, float q) { return p * gy; }
    },
    /** {@code e^x}. */
    EXP {
        @Override public float apply(float x, float p, float q) { return (float) StrictMath.exp(x); }
        @Override public float grad(float x, float y, float gy, float p, float q) { return gy * y; }
    },
    /** Natural logarithm. */
    LOG {
        @Override public float apply(float x, float p, float q) { return (float) StrictMath.log(x); }
        @Override public float grad(float x, float y, float gy, float p, float q) { return gy / x; }
    },
    /** Square root. */
    SQRT {
        @Override public float apply(float x, float p, float q) { return (float) Math.sqrt(x); }
        @Override public float grad(float x, float y, float gy, float p, float q) { return gy / (2f * y); }
    },
    /** {@code x^p} for a scalar exponent {@code p}. */
    POW {
        @Override public float apply(float x, float p, float q) { return (float) StrictMath.pow(x, p); }
        @Override public float grad(float x, float y, float gy, float p, float q) {
            return p == 0f ? 0f : gy * (p * (float) StrictMath.pow(x, p - 1f));
        }
    },
    /** {@code |x|}; the derivative at 0 is 0, as in PyTorch. */
    ABS {
        @Override public float apply(float x, float p, float q) { return Math.abs(x); }
        @Override public float grad(float x, float y, float gy, float p, float q) {
            return x > 0f ? gy : x < 0f ? -gy : 0f;
        }
    },
    /** {@code max(x, 0)}; NaN stays NaN and the derivative at 0 is 0, as in PyTorch. */
    RELU {
        @Override public float apply(float x, float p, float q) { return Math.max(x, 0f); }
        @Override public float grad(float x, float y, float gy, float p, float q) { return y > 0f ? gy : 0f; }
    },
    /** {@code 1 / (1 + e^-x)}. */
    SIGMOID {
        @Override public float apply(float x, float p, float q) { return (float) (1.0 / (1.0 + StrictMath.exp(-x))); }
        @Override public float grad(float x, float y, float gy, float p, float q) { return gy * y * (1f - y); }
    },
    /** Hyperbolic tangent. */
    TANH {
        @Override public float apply(float x, float p, float q) { return (float) StrictMath.tanh(x); }
        @Override public float grad(float x, float y, float gy, float p, float q) { return gy * (1f - y * y); }
    },
    /** {@code min(max(x, p), q)}; the gradient flows where {@code p <= x <= q}, as in PyTorch. */
    CLAMP {
        @Override public float apply(float x, float p, float q) { return Math.min(Math.max(x, p), q); }
        @Override public float grad(float x, float y, float gy, float p, float q) {
            return x >= p && x <= q ? gy : 0f;
        }
    };

    /** The value {@code f(x)}. */
    public abstract float apply(float x, float p, float q);

    /**
     * The input gradient {@code gy * f'(x)}, given the input {@code x}, the output {@code y = f(x)} and
     * the output gradient {@code gy}.
     */
    public abstract float grad(float x, float y, float gy, float p, float q);
}
