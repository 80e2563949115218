package dev.panagrad.engine.backend;

/** Reductions along one axis. An empty reduction gives the identity (0 for sum, -inf/+inf for max/min). */
public enum ReduceOp {
    SUM(0f) { @Override public float combine(float acc, float x) { return acc + x; } },
    /** Maximum; NaN propagates, as in PyTorch. */
    MAX(Float.NEGATIVE_INFINITY) {
        @Override public float combine(float acc, float x) { return Math.max(acc, x); }
    },
    /** Minimum; NaN propagates, as in PyTorch. */
    MIN(Float.POSITIVE_INFINITY) {
        @Override public float combine(float acc, float x) { return Math.min(acc, x); }
    };

    private final float identity;

    ReduceOp(float identity) {
        this.identity = identity;
    }

    /** The value of an empty reduction. */
    public float identity() {
        return identity;
    }

    public abstract float combine(float acc, float x);
}
