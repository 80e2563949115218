package dev.panagrad.engine.backend.simd;

import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.backend.BackendProvider;

/** Makes {@link SimdBackend} known under the name {@code simd}, the default. */
public final class SimdBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "simd";
    }

    @Override
    public Backend create() {
        return new SimdBackend();
    }
}
