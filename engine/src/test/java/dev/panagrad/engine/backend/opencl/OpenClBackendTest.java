package dev.panagrad.engine.backend.opencl;

import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.backend.BackendKernelContract;
import org.junit.jupiter.api.Tag;

/**
 * Every OpenCL kernel against the scalar oracle, on whatever OpenCL device the machine has (PoCL's CPU
 * device in the build). OpenCL C may contract multiply-adds and its exp, log and pow are accurate to a
 * few ulp, so results agree to a relative 2e-6 rather than bit for bit.
 */
@Tag("opencl")
class OpenClBackendTest extends BackendKernelContract {

    @Override
    protected Backend backend() {
        return OpenClTestSupport.backend();
    }

    @Override
    protected double toleranceFloor() {
        return 2e-6;
    }
}
