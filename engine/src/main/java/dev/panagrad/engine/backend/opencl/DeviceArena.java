package dev.panagrad.engine.backend.opencl;

import java.util.Map;
import java.util.TreeMap;

/**
 * First-fit allocator of float regions inside the device arena. Regions start on 16-float (64-byte)
 * boundaries; freed neighbours merge. Offsets and sizes count floats. Not thread-safe: the backend
 * serialises all calls.
 */
final class DeviceArena {
    static final int ALIGN = 16;

    private final int capacity;
    private final TreeMap<Integer, Integer> free = new TreeMap<>();
    private long used;
    private long peak;

    /** An arena of {@code capacity} floats whose first {@code reserved} floats are never handed out. */
    DeviceArena(int capacity, int reserved) {
        this.capacity = capacity;
        int start = align(reserved);
        free.put(start, capacity - start);
    }

    /** The offset of a new region of at least {@code size} floats, or -1 if no free block is large enough. */
    int allocate(int size) {
        int need = align(Math.max(size, 1));
        for (Map.Entry<Integer, Integer> block : free.entrySet()) {
            if (block.getValue() >= need) {
                int at = block.getKey();
                int rest = block.getValue() - need;
                free.remove(at);
                if (rest > 0) {
                    free.put(at + need, rest);
                }
                used += need;
                peak = Math.max(peak, used);
                return at;
            }
        }
        return -1;
    }

    /** Returns the region of {@code size} floats at {@code offset}. */
    void release(int offset, int size) {
        int length = align(Math.max(size, 1));
        used -= length;
        int start = offset;
        Map.Entry<Integer, Integer> before = free.floorEntry(offset);
        if (before != null && before.getKey() + before.getValue() == offset) {
            start = before.getKey();
            length += before.getValue();
            free.remove(before.getKey());
        }
        Integer afterSize = free.remove(offset + align(Math.max(size, 1)));
        if (afterSize != null) {
            length += afterSize;
        }
        free.put(start, length);
    }

    int capacity() {
        return capacity;
    }

    /** Floats in live regions. */
    long used() {
        return used;
    }

    /** The largest {@link #used()} seen since the start or the last {@link #resetPeak()}. */
    long peak() {
        return peak;
    }

    /** Starts a new peak from what is in use now. */
    void resetPeak() {
        peak = used;
    }

    private static int align(int n) {
        return (n + ALIGN - 1) / ALIGN * ALIGN;
    }
}
