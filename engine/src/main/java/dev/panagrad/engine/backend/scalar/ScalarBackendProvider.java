package dev.panagrad.engine.backend.scalar;

import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.backend.BackendProvider;

/** Makes {@link ScalarBackend} known under the name {@code scalar}. */
public final class ScalarBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public Backend create() {
        return new ScalarBackend();
    }
}
