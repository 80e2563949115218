package dev.panagrad.engine.backend;

import java.lang.ref.SoftReference;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Host arrays that released storages gave back, handed to new storages of exactly the same size: a
 * caching allocator keyed by size. A training step makes the same activations every step, so after the
 * first step nearly every storage it needs is waiting here, and Java neither allocates nor zeroes it.
 *
 * <p>The pool holds its arrays through soft references: the garbage collector may empty it before it
 * would run out of heap, so a pool never makes a program fail that would run without one. Arrays below
 * {@link #MIN_SIZE} floats are left to the allocator, where they cost less than a lookup here.
 *
 * <p>With {@code -Dpanagrad.pool.poison=true} (or {@link #setPoison}) every array given back is filled
 * with NaN, so a kernel that reads a new "empty" output before writing it shows up in its results. The
 * gradient buffers that a backward pass reuses are poisoned the same way.
 */
public final class HostArrayPool {
    /** Smaller arrays are not pooled. */
    public static final int MIN_SIZE = 1024;

    private static final ConcurrentHashMap<Integer, ConcurrentLinkedDeque<SoftReference<float[]>>> FREE =
            new ConcurrentHashMap<>();
    private static final AtomicLong TAKEN = new AtomicLong();
    private static final AtomicLong GIVEN = new AtomicLong();
    private static volatile boolean poison = Boolean.getBoolean("panagrad.pool.poison");

    private HostArrayPool() {
    }

    /** A pooled array of exactly {@code size} floats with unspecified contents, or null when none is free. */
    public static float[] take(int size) {
        if (size < MIN_SIZE) {
            return null;
        }
        ConcurrentLinkedDeque<SoftReference<float[]>> q = FREE.get(size);
        if (q == null) {
            return null;
        }
        for (SoftReference<float[]> ref = q.pollFirst(); ref != null; ref = q.pollFirst()) {
            float[] a = ref.get();
            if (a != null) {
                TAKEN.incrementAndGet();
                return a;
            }
        }
        return null;
    }

    /**
     * A kernel's workspace of {@code size} floats with unspecified contents: pooled when one is free, else
     * new. Give it back with {@link #give} when the kernel is done.
     */
    public static float[] borrow(int size) {
        float[] a = take(size);
        return a != null ? a : new float[size];
    }

    /** {@link #borrow}, filled with zeros. */
    public static float[] borrowZeroed(int size) {
        float[] a = take(size);
        if (a == null) {
            return new float[size];
        }
        Arrays.fill(a, 0f);
        return a;
    }

    /** Gives an array back for a later {@link #take} of its size; the caller must not use it again. */
    public static void give(float[] array) {
        if (array.length < MIN_SIZE) {
            return;
        }
        if (poison) {
            Arrays.fill(array, Float.NaN);
        }
        GIVEN.incrementAndGet();
        FREE.computeIfAbsent(array.length, k -> new ConcurrentLinkedDeque<>()).offerFirst(new SoftReference<>(array));
    }

    /** Bytes held by the pool's arrays that the collector has not cleared. */
    public static long retainedBytes() {
        long bytes = 0;
        for (var q : FREE.values()) {
            for (SoftReference<float[]> ref : q) {
                float[] a = ref.get();
                bytes += a == null ? 0 : 4L * a.length;
            }
        }
        return bytes;
    }

    /** How many arrays were handed out again and given back, in this JVM. */
    public static long[] counts() {
        return new long[] {TAKEN.get(), GIVEN.get()};
    }

    /** Drops every pooled array, for the collector to reclaim. */
    public static void clear() {
        FREE.clear();
    }

    /** Fill arrays given back with NaN (true) or leave them as they are (false, the default). */
    public static void setPoison(boolean on) {
        poison = on;
    }

    /** Whether memory handed back for reuse is filled with NaN (also by other reusers, such as backward passes). */
    public static boolean isPoisoning() {
        return poison;
    }
}
