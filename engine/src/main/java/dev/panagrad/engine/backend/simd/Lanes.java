package dev.panagrad.engine.backend.simd;

import jdk.incubator.vector.FloatVector;

/**
 * Horizontal sums in a fixed order. {@code reduceLanes(ADD)} may add lanes in one order when C2 has
 * compiled the caller and in another in the interpreter, so a run's bits would depend on JIT timing;
 * summing the lanes left to right gives the same result in every tier.
 */
final class Lanes {
    private Lanes() {
    }

    /**
     * lane 0 + lane 1 + ... + lane L-1, in that order. Lanes are read one by one rather than through
     * {@code toArray()}, whose array C2 does not always eliminate (a ResNet-20 step allocated tens of
     * MB of them).
     */
    static float sum(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < v.length(); i++) {
            s += v.lane(i);
        }
        return s;
    }
}
