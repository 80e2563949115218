package dev.panagrad.engine.backend;

/**
 * How a backend makes itself known: a {@link java.util.ServiceLoader} service, listed in a jar's
 * {@code META-INF/services/dev.panagrad.engine.backend.BackendProvider}. The engine's choice of backend
 * ({@code -Dpanagrad.backend=NAME}) then names it without the engine knowing its class. A provider is
 * cheap to construct; the backend itself, which may open a device, is made only when chosen.
 */
public interface BackendProvider {

    /** The name that chooses this backend: {@code simd}, {@code scalar}, {@code opencl}, ... */
    String name();

    /** The backend, made when it is chosen. */
    Backend create();
}
