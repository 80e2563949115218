package dev.panagrad.engine;

import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.backend.opencl.OpenClBackend;
import dev.panagrad.engine.backend.scalar.ScalarBackend;
import dev.panagrad.engine.backend.simd.SimdBackend;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Chooses the backend that tensor ops run on. The default is {@code simd}; the system property
 * {@code panagrad.backend} or {@link #use(String)} selects another by name. Backends of other modules
 * register themselves with {@link #register(String, Supplier)}.
 */
public final class Backends {
    private static final Map<String, Supplier<Backend>> FACTORIES = new ConcurrentHashMap<>();
    private static volatile Backend current;

    static {
        FACTORIES.put("simd", SimdBackend::new);
        FACTORIES.put("scalar", ScalarBackend::new);
        FACTORIES.put("opencl", OpenClBackend::shared);
    }

    private Backends() {
    }

    /** The backend ops run on now. */
    public static Backend current() {
        Backend b = current;
        if (b == null) {
            synchronized (Backends.class) {
                if (current == null) {
                    current = OpProfiler.profiledIfRequested(
                            create(System.getProperty("panagrad.backend", "simd")));
                }
                b = current;
            }
        }
        return b;
    }

    /** Makes the named backend current and returns it. */
    public static Backend use(String name) {
        Backend b = OpProfiler.profiledIfRequested(create(name));
        current = b;
        return b;
    }

    /** Makes {@code backend} current. */
    public static void use(Backend backend) {
        current = backend;
    }

    /**
     * Runs ops on {@code backend} until the returned scope is closed, then restores the previous one:
     * {@code try (var s = Backends.scoped(new ScalarBackend())) { ... }}. Not meant for use while other
     * threads run ops.
     */
    public static Scope scoped(Backend backend) {
        Backend previous = current();
        current = backend;
        return () -> current = previous;
    }

    /** An active {@link #scoped} choice; closing it restores the previous backend. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** Adds a backend that {@link #use(String)} and {@code -Dpanagrad.backend} can name. */
    public static void register(String name, Supplier<Backend> factory) {
        FACTORIES.put(name, factory);
    }

    /** A new instance of the named backend. */
    public static Backend create(String name) {
        Supplier<Backend> f = FACTORIES.get(name);
        if (f == null) {
            throw new IllegalArgumentException("backend: unknown name '" + name + "'; known: "
                    + new java.util.TreeSet<>(FACTORIES.keySet()));
        }
        return f.get();
    }
}
