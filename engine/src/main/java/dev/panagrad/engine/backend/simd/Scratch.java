package dev.panagrad.engine.backend.simd;

/**
 * Per-thread scratch arrays of the simd kernels: each kernel keeps a {@code ThreadLocal<float[][]>} of
 * slots, and a slot grows to the largest size any call has asked for, so that a training step's calls
 * allocate nothing after the first. Contents are whatever the last call left.
 */
final class Scratch {
    private Scratch() {
    }

    /** Slot {@code slot} of {@code holder}, replaced by a larger array when shorter than {@code size}. */
    static float[] atLeast(float[][] holder, int slot, int size) {
        if (holder[slot].length < size) {
            holder[slot] = new float[size];
        }
        return holder[slot];
    }
}
