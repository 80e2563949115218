package dev.panagrad.engine.backend;

import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the {@link KernelContract}, every kernel against the {@code scalar} oracle, as one test per case.
 * A backend's test extends this class and says which backend it tests and how far from the oracle
 * rounding may take it.
 */
public abstract class BackendKernelContract {

    /** The backend under test. */
    protected abstract Backend backend();

    /**
     * The smallest relative tolerance the backend is held to, even where the oracle's arithmetic can be
     * reproduced exactly (a device compiler may fuse multiply-adds or round division differently).
     */
    protected double toleranceFloor() {
        return 0;
    }

    @TestFactory
    Stream<DynamicTest> everyKernelMatchesTheScalarOracle() {
        return new KernelContract(backend(), toleranceFloor()).cases().stream()
                .map(c -> DynamicTest.dynamicTest(c.name(), c.check()::run));
    }
}
