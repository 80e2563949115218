package dev.panagrad.engine;

import dev.panagrad.engine.backend.HostArrayPool;
import dev.panagrad.engine.backend.Storage;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Storages of gradients that a backward pass no longer needs, handed to later gradients of the same
 * size in that pass. Java zeroes every new array, and a ResNet step's backward allocates some 150 MB
 * of gradients that each live for one or two ops; reusing them removes that zeroing. A storage is
 * reused whole, wherever its values live: on a device backend it keeps its device buffer, so nothing
 * here needs to know where memory is.
 *
 * <p>Only storages created by {@link Tensor#empty} while the pass runs take part: the pass itself
 * holds the only references to them (in its map of pending gradients), so it knows when one is dead:
 * when its node has run and no pending gradient (the node's own results included, which may be the
 * very same tensor or a view of it) still uses the storage. Off with
 * {@code -Dpanagrad.reuseGradients=false}.
 */
final class GradientBuffers {
    /** Smaller buffers are left to the allocator. */
    static final int MIN_SIZE = 4096;
    private static volatile boolean enabled = !"false".equals(System.getProperty("panagrad.reuseGradients"));
    private static final ThreadLocal<GradientBuffers> ACTIVE = new ThreadLocal<>();
    private static final java.util.concurrent.atomic.AtomicLong REUSED = new java.util.concurrent.atomic.AtomicLong();
    private static final java.util.concurrent.atomic.AtomicLong ACCUMULATED = new java.util.concurrent.atomic.AtomicLong();

    private final Map<Integer, ArrayDeque<Storage>> free = new HashMap<>();
    /** Storages from {@link #take}, with the number of pending gradients that use each. */
    private final Map<Storage, Integer> issued = new IdentityHashMap<>();

    private GradientBuffers() {
    }

    /** How many buffers have been reused so far, in this JVM. */
    static long reusedCount() {
        return REUSED.get();
    }

    /** For tests: turns reuse on or off for passes that start afterwards. */
    static void setEnabled(boolean on) {
        enabled = on;
    }

    /** Starts reuse for a backward pass on this thread; null when off or already open. */
    static GradientBuffers open() {
        if (!enabled || ACTIVE.get() != null) {
            return null;
        }
        GradientBuffers buffers = new GradientBuffers();
        ACTIVE.set(buffers);
        return buffers;
    }

    void close() {
        ACTIVE.remove();
    }

    /** A storage of n floats with unspecified contents: a reused buffer inside a pass, else a new one. */
    static Storage take(int n) {
        GradientBuffers active = ACTIVE.get();
        if (active == null || n < MIN_SIZE) {
            return TensorScope.allocate(n, false);
        }
        ArrayDeque<Storage> q = active.free.get(n);
        Storage reused = q == null ? null : q.poll();
        if (reused != null) {
            REUSED.incrementAndGet();
        }
        Storage s = reused == null ? TensorScope.allocate(n, false) : reused;
        active.issued.put(s, 0);
        return s;
    }

    /**
     * A second gradient for a node that already has {@code pending}: adds {@code more} into it and returns
     * true where its storage came from {@link #take} and no other pending gradient uses it, so that
     * nothing else can see the change (PyTorch's InputBuffer does the same). The sum has the bits of
     * {@code pending.add(more)}, without a new buffer to fill; else returns false and changes nothing.
     */
    boolean addInto(Tensor pending, Tensor more) {
        Integer n = issued.get(pending.storage());
        if (n == null || n != 1) {
            return false;
        }
        pending.addInPlace(more, 1f);
        ACCUMULATED.incrementAndGet();
        return true;
    }

    /** How many gradients have been added into a pending one in place so far, in this JVM. */
    static long accumulatedCount() {
        return ACCUMULATED.get();
    }

    /** A leaf took t as its gradient: its storage is never reused in this pass. */
    void forget(Tensor t) {
        issued.remove(t.storage());
    }

    /** A pending gradient now uses t's storage. */
    void hold(Tensor t) {
        issued.computeIfPresent(t.storage(), (s, n) -> n + 1);
    }

    /** A pending gradient no longer uses t's storage. */
    void drop(Tensor t) {
        issued.computeIfPresent(t.storage(), (s, n) -> n - 1);
    }

    /**
     * Reuses t's buffer if t came from {@link #take} and no pending gradient uses it: inside a
     * {@link TensorScope} by releasing it to the pool, where a request of any nearby size, a gradient's or
     * an activation's, can take it (kept here, a layer's gradients of one size would sit idle while
     * backward moves on to layers of other sizes); outside, for the next gradient of its size in this pass.
     */
    void releaseIfUnused(Tensor t) {
        Storage s = t.storage();
        Integer n = issued.get(s);
        if (n != null && n <= 0) {
            issued.remove(s);
            if (TensorScope.release(t)) {
                return;
            }
            if (HostArrayPool.isPoisoning()) {
                java.util.Arrays.fill(s.array(), Float.NaN);
            }
            free.computeIfAbsent(s.size(), k -> new ArrayDeque<>()).push(s);
        }
    }
}
