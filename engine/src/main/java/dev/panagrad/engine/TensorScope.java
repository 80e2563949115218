package dev.panagrad.engine;

import dev.panagrad.engine.backend.HostArrayPool;
import dev.panagrad.engine.backend.Storage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * A stretch of code, usually one training or inference step, whose tensors die when it ends. Every tensor
 * of at least {@link HostArrayPool#MIN_SIZE} elements that an op makes on this thread while the scope is
 * open belongs to it, and its memory goes back to the {@link HostArrayPool} when the scope closes, unless
 * it was {@linkplain #keep kept}. The next step then finds its activations and gradients waiting in the
 * pool, and Java neither allocates nor zeroes them:
 *
 * <pre>{@code
 * for (Batch b : loader) {
 *     try (TensorScope step = TensorScope.open()) {
 *         optimizer.zeroGrad();
 *         Tensor loss = Losses.crossEntropy(model.forward(b.images()), b.labels());
 *         loss.backward();
 *         optimizer.step();
 *         total += loss.item();          // read what you need before the scope closes
 *     }
 * }
 * }</pre>
 *
 * What outlives a scope without being kept: gradients that backward gives to leaves ({@link Tensor#grad()}),
 * until {@link Tensor#zeroGrad} inside a scope gives their memory back, and tensors that modules and
 * optimisers hold as state, which mark themselves with {@link #escape}. Any
 * other tensor made inside is dead after {@link #close()}: using it, or a view of it, throws an
 * {@link IllegalStateException} that names the op that made it. Code that never opens a scope runs as
 * before and leaves its tensors to the garbage collector.
 *
 * <p>With {@code -Dpanagrad.pool=false} scopes release nothing and every tensor is left to the collector,
 * as without scopes: the switch for measuring what pooling saves.
 *
 * <p>Scopes nest: a tensor kept by an inner scope belongs to the enclosing one. A scope belongs to the
 * thread that opened it; tensors that other threads make (a data loader's) are not in it.
 */
public final class TensorScope implements AutoCloseable {
    private static final ThreadLocal<TensorScope> CURRENT = new ThreadLocal<>();
    /** Off with {@code -Dpanagrad.pool=false}: scopes then release nothing, for measuring what they save. */
    private static final boolean POOLING = !"false".equals(System.getProperty("panagrad.pool"));

    private final TensorScope parent;
    private final Thread owner = Thread.currentThread();
    /** Storages made in this scope and not kept. */
    private final Set<Storage> made = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean releasesSaved;
    private boolean closed;

    private TensorScope(TensorScope parent) {
        this.parent = parent;
    }

    /** Opens a scope on this thread, inside the current one if any. */
    public static TensorScope open() {
        TensorScope scope = new TensorScope(CURRENT.get());
        CURRENT.set(scope);
        return scope;
    }

    /**
     * Also ends, during backward, the life of each tensor of this scope that the graph saved, as soon as
     * no node that has yet to run saved it: activations then go back to the pool while backward still
     * runs, and later gradients reuse them, as PyTorch frees what autograd saved. A promise by the caller:
     * nothing reads a saved tensor after the backward that used it (the logits, if the loss saved them,
     * or an embedding; read them before). Tensors that a forward after that backward needs, such as an
     * output a second loss uses, must not be in such a scope. Returns this scope.
     */
    public TensorScope releasingSavedTensors() {
        releasesSaved = true;
        return this;
    }

    /** Whether a scope is open on this thread. */
    public static boolean isOpen() {
        return CURRENT.get() != null;
    }

    /**
     * Keeps t's memory (shared by all its views) alive past this scope: it moves to the enclosing scope,
     * or, from the outermost one, to the garbage collector. Returns t.
     */
    public Tensor keep(Tensor t) {
        Storage s = t.storage();
        if (made.remove(s) && parent != null) {
            parent.made.add(s);
        }
        return t;
    }

    /**
     * Takes t's memory out of every open scope on this thread, for tensors that live as state (module
     * parameters and buffers, optimiser state, gradients of leaves). Returns t.
     */
    public static Tensor escape(Tensor t) {
        Storage s = t.storage();
        for (TensorScope scope = CURRENT.get(); scope != null; scope = scope.parent) {
            scope.made.remove(s);
        }
        return t;
    }

    /**
     * Ends t's life now, before its scope closes, for code that knows nothing will read t again (a
     * layer's output once the next layer has consumed it, without a graph). Its memory goes back to the
     * pool at once. A tensor that no open scope on this thread owns (made outside any, or small) is left
     * to the collector. Returns whether it was released.
     */
    public static boolean release(Tensor t) {
        Storage s = t.storage();
        TensorScope owner = owner(s);
        if (owner == null) {
            return false;
        }
        owner.made.remove(s);
        s.release("it was ended early, before its scope closed (TensorScope.release, or a gradient "
                + "that backward had finished with)");
        return true;
    }

    /**
     * A leaf's gradient that {@link Tensor#zeroGrad} drops: inside a scope its memory goes back to the pool
     * now, where the next backward finds the same sizes (without this, every step would allocate its
     * parameters' worth of new gradients); outside, it is left to the collector.
     */
    static void dropGradient(Tensor grad) {
        if (POOLING && CURRENT.get() != null) {
            grad.storage().release("zeroGrad dropped this gradient inside a TensorScope. Copy a gradient that "
                    + "must outlive zeroGrad");
        }
    }

    /** A storage no graph node saves any more: released now if a scope that releases saved tensors owns it. */
    static void releaseAfterBackward(Storage s) {
        TensorScope owner = owner(s);
        if (owner != null && owner.releasesSaved) {
            owner.made.remove(s);
            s.release("backward had run every node that saved it, in a scope that releases saved "
                    + "tensors (TensorScope.releasingSavedTensors)");
        }
    }

    /** The open scope on this thread that s belongs to, innermost first; null when none. */
    private static TensorScope owner(Storage s) {
        for (TensorScope scope = CURRENT.get(); scope != null; scope = scope.parent) {
            if (scope.made.contains(s)) {
                return scope;
            }
        }
        return null;
    }

    /** Releases every storage made in this scope and not kept; closes inner scopes left open first. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("TensorScope: closed on thread " + Thread.currentThread().getName()
                    + ", opened on " + owner.getName());
        }
        TensorScope current = CURRENT.get();
        List<TensorScope> inner = new ArrayList<>();
        for (TensorScope s = current; s != this; s = s.parent) {
            if (s == null) {
                throw new IllegalStateException("TensorScope: this scope is not open on this thread");
            }
            inner.add(s);
        }
        for (TensorScope s : inner) {
            s.close();
        }
        closed = true;
        CURRENT.set(parent);
        for (Storage s : made) {
            s.release();
        }
        made.clear();
        if (parent == null) {
            HostArrayPool.trim(); // keep what a step of this thread's work uses, no more
        }
    }

    /** Tensors this scope would release if it closed now. */
    public int size() {
        return made.size();
    }

    /**
     * New storage of n floats for an op's output: from the pool and owned by the current scope when one
     * is open, else a plain storage. {@code zeroed} asks for zeros; otherwise the values are unspecified.
     */
    static Storage allocate(int n, boolean zeroed) {
        TensorScope scope = CURRENT.get();
        if (scope == null || n < HostArrayPool.MIN_SIZE || !POOLING) {
            return new Storage(n);
        }
        Storage s = Storage.pooled(n, zeroed);
        scope.made.add(s);
        return s;
    }
}
