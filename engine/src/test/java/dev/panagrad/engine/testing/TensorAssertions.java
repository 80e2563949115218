package dev.panagrad.engine.testing;

import dev.panagrad.engine.Tensor;

/**
 * Element-wise closeness with a message that names the first element off, for comparisons with a
 * reference (PyTorch, a hand computation, the scalar oracle). The tolerance is relative,
 * {@code |actual - expected| <= tol * max(1, |expected|)}; take it from
 * {@link dev.panagrad.engine.FloatTolerance}, which derives it from the computation's float error.
 */
public final class TensorAssertions {
    private TensorAssertions() {
    }

    /** Same shape, and every element within {@code tol} of the reference. */
    public static void assertClose(String what, Tensor actual, Tensor expected, double tol) {
        if (!actual.shape().equals(expected.shape())) {
            throw new AssertionError(what + ": shape " + actual.shape() + ", expected " + expected.shape());
        }
        assertClose(what, actual.toArray(), expected.toArray(), tol);
    }

    /** Same length, and every element within {@code tol} of the reference. */
    public static void assertClose(String what, float[] actual, float[] expected, double tol) {
        if (actual.length != expected.length) {
            throw new AssertionError(what + ": " + actual.length + " values, expected " + expected.length);
        }
        for (int i = 0; i < actual.length; i++) {
            if (!(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])))) {
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", the reference gives "
                        + expected[i] + " (tolerance " + tol + " relative)");
            }
        }
    }
}
