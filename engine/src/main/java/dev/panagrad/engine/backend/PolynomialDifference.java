package dev.panagrad.engine.backend;

/**
 * The arithmetic of {@link Backend#polynomialDifference} for one element, shared by the host backends so
 * that they round alike. For g(s) = c[0] + c[1] s + ... + c[P] s^P, Horner's rule evaluates g and its
 * slope g' together, one fused multiply-add per coefficient each:
 * <pre>
 * value = c[P]; slope = 0
 * for p = P-1 .. 0:  slope = slope * s + value;  value = value * s + c[p]
 * </pre>
 * (the slope line is synthetic division: it runs Horner's rule on g' one step behind).
 */
public final class PolynomialDifference {
    private PolynomialDifference() {
    }

    /** Writes {@code squared[i]} and {@code weighted[i]} from {@code a[i]} and {@code b[i]}. */
    public static void element(float[] c, float[] a, float[] b, float[] squared, float[] weighted, int i) {
        float s = a[i];
        float t = b[i];
        int degree = c.length - 1;
        float value = c[degree];
        float slope = 0f;
        float teacher = c[degree];
        for (int p = degree - 1; p >= 0; p--) {
            slope = Math.fma(slope, s, value);
            value = Math.fma(value, s, c[p]);
            teacher = Math.fma(teacher, t, c[p]);
        }
        float d = value - teacher;
        squared[i] = d * d;
        weighted[i] = d * slope;
    }
}
