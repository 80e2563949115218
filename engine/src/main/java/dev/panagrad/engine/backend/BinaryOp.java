package dev.panagrad.engine.backend;

/**
 * Element-wise functions of two operands. Comparisons give 1 where true and 0 where false. The scalar
 * formulas are the reference semantics for every backend.
 */
public enum BinaryOp {
    ADD { @Override public float apply(float a, float b) { return a + b; } },
    SUB { @Override public float apply(float a, float b) { return a - b; } },
    MUL { @Override public float apply(float a, float b) { return a * b; } },
    DIV { @Override public float apply(float a, float b) { return a / b; } },
    /** The larger operand; NaN if either is NaN, as {@code torch.maximum}. */
    MAX { @Override public float apply(float a, float b) { return Math.max(a, b); } },
    /** The smaller operand; NaN if either is NaN, as {@code torch.minimum}. */
    MIN { @Override public float apply(float a, float b) { return Math.min(a, b); } },
    GT { @Override public float apply(float a, float b) { return a > b ? 1f : 0f; } },
    GE { @Override public float apply(float a, float b) { return a >= b ? 1f : 0f; } },
    LT { @Override public float apply(float a, float b) { return a < b ? 1f : 0f; } },
    LE { @Override public float apply(float a, float b) { return a <= b ? 1f : 0f; } },
    EQ { @Override public float apply(float a, float b) { return a == b ? 1f : 0f; } },
    NE { @Override public float apply(float a, float b) { return a != b ? 1f : 0f; } };

    public abstract float apply(float a, float b);
}
