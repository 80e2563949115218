package dev.panagrad.engine.backend.opencl;

import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.backend.BackendProvider;

/** Makes {@link OpenClBackend} known under the name {@code opencl}; every choice shares one device. */
public final class OpenClBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public Backend create() {
        return OpenClBackend.shared();
    }
}
