package dev.panagrad.engine;

import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.backend.BackendProvider;
import java.util.Collections;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;

/**
 * Chooses the backend that tensor ops run on. The default is {@code simd}; the system property
 * {@code panagrad.backend} or {@link #use(String)} selects another by name. The names are those of the
 * {@link BackendProvider} services on the class path, so this class knows no backend implementation:
 * a backend in another jar is chosen the same way as the engine's own.
 */
public final class Backends {
    private static final Map<String, BackendProvider> PROVIDERS = providers();
    private static volatile Backend current;

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

    /** The names that {@link #use(String)} and {@code -Dpanagrad.backend} accept, sorted. */
    public static Set<String> names() {
        return PROVIDERS.keySet();
    }

    /** A new instance of the named backend. */
    public static Backend create(String name) {
        BackendProvider p = PROVIDERS.get(name);
        if (p == null) {
            throw new IllegalArgumentException("backend: unknown name '" + name + "'; known: " + names());
        }
        return p.create();
    }

    private static Map<String, BackendProvider> providers() {
        Map<String, BackendProvider> byName = new TreeMap<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader())) {
            BackendProvider earlier = byName.putIfAbsent(p.name(), p);
            if (earlier != null) {
                throw new IllegalStateException("backend: two providers are named '" + p.name() + "': "
                        + earlier.getClass().getName() + " and " + p.getClass().getName());
            }
        }
        return Collections.unmodifiableMap(byName);
    }
}
