package dev.panagrad.engine.backend.opencl;

import dev.panagrad.engine.backend.contract.KernelContract;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * The 128 x 64 GEMM tile, which the backend picks on GPUs only, forced on whatever device runs the tests
 * (PoCL's CPU device in the build): every GEMM case of the kernel contract with it. The cases large
 * enough for the tile (129 x 131 x 257, 211 x 1060 x 1030, in every transpose) take it; the rest keep
 * the 64 x 64 tile as on a GPU.
 */
@Tag("opencl")
class OpenClWideGemmTest {

    @TestFactory
    Stream<DynamicTest> gemmCasesMatchTheOracleWithTheWideTile() {
        OpenClBackend backend = OpenClTestSupport.backend();
        return new KernelContract(backend, 2e-6).cases().stream()
                .filter(c -> c.name().startsWith("gemm") || c.name().startsWith("batched gemm"))
                .map(c -> DynamicTest.dynamicTest(c.name(), () -> {
                    OpenClBackend.wideGemm = true;
                    try {
                        c.check().run();
                    } finally {
                        OpenClBackend.wideGemm = null;
                    }
                }));
    }
}
