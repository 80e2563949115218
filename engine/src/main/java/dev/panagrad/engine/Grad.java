package dev.panagrad.engine;

/**
 * Whether ops record the autodiff graph on this thread. Recording is on by default; turn it off for
 * inference, evaluation and parameter updates:
 *
 * <pre>{@code
 * try (var ignored = Grad.disabled()) {
 *     Tensor logits = model.forward(x); // no graph, no saved tensors
 * }
 * }</pre>
 */
public final class Grad {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private Grad() {
    }

    /** Whether ops record the graph on this thread. */
    public static boolean isEnabled() {
        return ENABLED.get()[0];
    }

    /** Turns recording off until the returned scope closes, then restores the previous setting. */
    public static Scope disabled() {
        return set(false);
    }

    /** Turns recording on until the returned scope closes (inside a disabled region, for instance). */
    public static Scope enabled() {
        return set(true);
    }

    private static Scope set(boolean on) {
        boolean[] flag = ENABLED.get();
        boolean previous = flag[0];
        flag[0] = on;
        return () -> flag[0] = previous;
    }

    /** A grad-mode region; closing it restores the previous mode. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
