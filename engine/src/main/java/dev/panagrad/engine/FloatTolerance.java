package dev.panagrad.engine;

/**
 * How far a float32 result may honestly lie from a reference computed in another order (PyTorch, a
 * hand computation in double, another vector width): the forward error bound of the computation, not
 * the difference one machine happened to show.
 *
 * <p>A sum of {@code n} floats in any order is within {@code gamma(n-1) * sum |x_i|} of the exact sum,
 * with {@code gamma(k) = k u / (1 - k u)} and {@code u = 2^-24} (Higham, <i>Accuracy and Stability of
 * Numerical Algorithms</i>, 4.2). Each further rounded operation on the way (an exp, a log, a division)
 * adds one {@code u}. The reference carries its own rounding of the same size, hence the factor 2. The
 * bound is relative to the magnitude of the terms; where a result is a difference of large terms, pass
 * that magnitude to {@link #absolute}.
 *
 * <pre>{@code
 * // a loss that sums 40 terms and then takes one log and one division: relative error 2 * gamma(41)
 * assertThat(loss).isCloseTo(expected, within(FloatTolerance.absolute(42, expected)));
 * }</pre>
 */
public final class FloatTolerance {
    /** Unit roundoff of float32. */
    public static final double UNIT_ROUNDOFF = 0x1p-24;

    private FloatTolerance() {
    }

    /**
     * Relative bound for a result reached through {@code operations} rounded steps along its longest
     * chain (a sum of n terms is n - 1 steps), against a reference with rounding of its own.
     */
    public static double relative(int operations) {
        double nu = Math.max(1, operations) * UNIT_ROUNDOFF;
        return 2 * nu / (1 - nu);
    }

    /** {@link #relative} scaled by the magnitude of the terms, at least 1 when it is smaller. */
    public static double absolute(int operations, double magnitude) {
        return relative(operations) * Math.max(1, Math.abs(magnitude));
    }

    /** The same bound as a float, for AssertJ's {@code within(float)}. */
    public static float absoluteFloat(int operations, double magnitude) {
        return (float) absolute(operations, magnitude);
    }
}
