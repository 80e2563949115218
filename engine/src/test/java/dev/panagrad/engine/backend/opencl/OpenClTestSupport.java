package dev.panagrad.engine.backend.opencl;

import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * OpenCL tests need a device. The README lists an OpenCL driver among the requirements, so without one
 * they fail with the backend's message; {@code -Dpanagrad.test.skipOpenCL=true} skips them instead.
 */
final class OpenClTestSupport {
    private OpenClTestSupport() {
    }

    static OpenClBackend backend() {
        assumeThat(Boolean.getBoolean("panagrad.test.skipOpenCL")).as("OpenCL tests skipped by request").isFalse();
        return OpenClBackend.shared();
    }
}
