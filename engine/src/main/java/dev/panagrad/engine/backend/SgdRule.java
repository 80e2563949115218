package dev.panagrad.engine.backend;

/**
 * The arithmetic of one SGD step for one parameter, shared by the host backends so that they round
 * alike (see {@link Backend#sgdStep}). Each line is evaluated left to right in float, without fused
 * multiply-adds.
 */
public final class SgdRule {
    private SgdRule() {
    }

    /** The new value of {@code p[i]}; writes the new momentum into {@code b[i]} when {@code b} is not null. */
    public static float update(float[] p, float[] g, float[] b, int i, boolean first, float lr, float weightDecay,
                               float momentum, float dampening, boolean nesterov) {
        float d = g[i] + weightDecay * p[i];
        if (b != null) {
            float m = first ? d : b[i] * momentum + (1f - dampening) * d;
            b[i] = m;
            d = nesterov ? d + momentum * m : m;
        }
        return p[i] + -lr * d;
    }
}
