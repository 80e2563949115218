package dev.panagrad.engine.backend;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Host arrays that released storages gave back, handed to new storages of the same size or, when none of
 * that size is free, of up to {@link #MAX_SLACK} times it: a caching allocator keyed by size. A training
 * step makes the same activations every step, so after the first step nearly every storage it needs is
 * waiting here, and Java neither allocates nor zeroes it.
 *
 * <p>Why a larger array may serve: the pool keeps, for each size, as many arrays as the step had in use
 * at once, and different sizes peak at different times (a teacher's activations during its forward, the
 * student's during backward). With exact sizes only, the pool held 1.16 GB after a CCKD ResNet-50 ->
 * ResNet-18 step whose tensors never took more than 0.83 GB at once; a teacher's 42 MB tensors now take
 * the 84 MB arrays that the student will need only later. A storage over a longer array uses its first
 * {@code size} floats ({@link Storage#size()}); kernels take lengths from shapes, never from arrays.
 *
 * <p>The pool holds what one step needs, not more: {@link #trim()}, which a thread's outermost
 * {@code TensorScope} calls when it closes, drops the arrays of each size that nobody took since the
 * last trim (a size the step did not use at all, or more of it than the step needed). An earlier
 * version held its arrays through soft references so that the collector could empty it; under a tight
 * heap the collector did, every step, and each refill went down paths the JIT had not compiled, which
 * sent whole kernels back to the interpreter. Kernel workspaces borrowed by code that never opens a
 * scope stay here, one or two per size, until {@link #clear()}. Arrays below {@link #MIN_SIZE} floats
 * are left to the allocator, where they cost less than a lookup here.
 *
 * <p>With {@code -Dpanagrad.pool.poison=true} (or {@link #setPoison}) every array given back is filled
 * with NaN, so a kernel that reads a new "empty" output before writing it shows up in its results. The
 * gradient buffers that a backward pass reuses are poisoned the same way.
 */
public final class HostArrayPool {
    /** Smaller arrays are not pooled. */
    public static final int MIN_SIZE = 1024;
    /** A storage takes a free array of up to this many times its size when none of its own size is free. */
    public static final int MAX_SLACK = 2;

    /** The free arrays of one size, and the fewest there were since the last trim. */
    private static final class Bin {
        final ArrayDeque<float[]> free = new ArrayDeque<>();
        int idle;
    }

    private static final TreeMap<Integer, Bin> BINS = new TreeMap<>();
    private static final AtomicLong TAKEN = new AtomicLong();
    private static final AtomicLong GIVEN = new AtomicLong();
    private static volatile boolean poison = Boolean.getBoolean("panagrad.pool.poison");

    private HostArrayPool() {
    }

    /** A pooled array of exactly {@code size} floats with unspecified contents, or null when none is free. */
    public static float[] take(int size) {
        return takeUpTo(size, size);
    }

    /**
     * A pooled array of at least {@code size} floats, with unspecified contents: one of exactly that size
     * when one is free, else the shortest free one of up to {@link #MAX_SLACK} times the size; null when
     * there is none.
     */
    public static float[] takeAtLeast(int size) {
        return takeUpTo(size, (long) MAX_SLACK * size);
    }

    /** The shortest free array of {@code size} to {@code maxLength} floats, or null. */
    private static float[] takeUpTo(int size, long maxLength) {
        if (size < MIN_SIZE) {
            return null;
        }
        synchronized (BINS) {
            for (Map.Entry<Integer, Bin> e = BINS.ceilingEntry(size); e != null && e.getKey() <= maxLength;
                 e = BINS.higherEntry(e.getKey())) {
                if (!e.getValue().free.isEmpty()) {
                    return pop(e.getValue());
                }
            }
            return null;
        }
    }

    private static float[] pop(Bin bin) {
        float[] a = bin.free.pop();
        bin.idle = Math.min(bin.idle, bin.free.size());
        TAKEN.incrementAndGet();
        return a;
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
        synchronized (BINS) {
            Bin bin = BINS.computeIfAbsent(array.length, k -> new Bin());
            bin.free.push(array);
        }
    }

    /**
     * Drops, for each size, as many arrays as stayed free all along since the last trim: those the work
     * in between did not need. Returns the bytes dropped.
     */
    public static long trim() {
        long dropped = 0;
        synchronized (BINS) {
            var it = BINS.entrySet().iterator();
            while (it.hasNext()) {
                Bin bin = it.next().getValue();
                for (int i = 0; i < bin.idle && !bin.free.isEmpty(); i++) {
                    dropped += 4L * bin.free.removeLast().length;
                }
                if (bin.free.isEmpty()) {
                    it.remove();
                } else {
                    bin.idle = bin.free.size();
                }
            }
        }
        return dropped;
    }

    /** Bytes held by the pool's free arrays. */
    public static long retainedBytes() {
        long bytes = 0;
        synchronized (BINS) {
            for (var e : BINS.entrySet()) {
                bytes += 4L * e.getKey() * e.getValue().free.size();
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
        synchronized (BINS) {
            BINS.clear();
        }
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
