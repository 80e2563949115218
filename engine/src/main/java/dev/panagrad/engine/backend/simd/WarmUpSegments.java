package dev.panagrad.engine.backend.simd;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A guard against on-stack replacement (OSR) for a hot loop that is called with a length: it hands out
 * short lengths until the loop has been called often enough to be compiled as a method, then long
 * ones.
 *
 * <p>Why: a loop that runs long enough while still interpreted is compiled by C2 as an OSR version,
 * entered in the middle of the loop. For a Vector API loop that version kept its vector sums boxed and
 * ran about ten times slower, in one JVM out of two or three. Short calls let the loop's method reach
 * C2's compile threshold first. Long calls afterwards save the cost of storing and reloading the
 * loop's sums between calls. Splitting a loop into calls must not change its bits: the callers carry
 * their sums over from call to call through memory, in the same order.
 *
 * <p>The count is an {@link AtomicInteger}, updated once per loop call (not per element), and stops at
 * the threshold.
 */
final class WarmUpSegments {
    private final int shortLength;
    private final int longLength;
    private final int warmCalls;
    private final AtomicInteger calls = new AtomicInteger();

    WarmUpSegments(int shortLength, int longLength, int warmCalls) {
        this.shortLength = shortLength;
        this.longLength = longLength;
        this.warmCalls = warmCalls;
    }

    /** The length of the next call: short while the loop may still be interpreted. */
    int length() {
        return calls.get() < warmCalls ? shortLength : longLength;
    }

    /** Records that {@code count} elements were run in calls of {@link #length()}. */
    void ran(int count) {
        if (calls.get() < warmCalls) {
            calls.addAndGet((count + shortLength - 1) / shortLength);
        }
    }

    /** Whether calls are long now. */
    boolean warm() {
        return calls.get() >= warmCalls;
    }

    /** For tests: starts over with short calls ({@code false}) or goes straight to long ones ({@code true}). */
    void force(boolean warm) {
        calls.set(warm ? warmCalls : 0);
    }
}
