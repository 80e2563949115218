package dev.panagrad.engine.backend.opencl;

import dev.panagrad.engine.backend.contract.KernelContract;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * Batch norm's per-channel sums cut into several work-groups per channel, which the backend does on
 * devices with more compute units than channels: every batch-norm case of the kernel contract with 3 and
 * with 7 slices per channel (the last slice shorter, and slices of one value where a channel has fewer
 * values than that), whose statistics and sums are then combined in order.
 */
@Tag("opencl")
class OpenClBatchNormSlicesTest {

    @TestFactory
    Stream<DynamicTest> batchNormCasesMatchTheOracleWithSlicedChannels() {
        OpenClBackend backend = OpenClTestSupport.backend();
        return Stream.of(3, 7).flatMap(slices -> new KernelContract(backend, 2e-6).cases().stream()
                .filter(c -> c.name().startsWith("batch norm kernels"))
                .map(c -> DynamicTest.dynamicTest(c.name() + ", " + slices + " slices", () -> {
                    OpenClBackend.batchNormSlices = slices;
                    try {
                        c.check().run();
                    } finally {
                        OpenClBackend.batchNormSlices = null;
                    }
                })));
    }
}
