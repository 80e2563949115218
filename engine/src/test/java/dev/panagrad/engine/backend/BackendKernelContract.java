package dev.panagrad.engine.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.panagrad.engine.backend.contract.KernelContract;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
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

    /**
     * Each kernel of the interface is the backend's own, declared in its class: none is inherited from
     * another backend, which would make its contract case compare the oracle with itself.
     */
    @Test
    void implementsEveryKernelItself() {
        Class<?> implementation = backend().getClass();
        List<String> inherited = new ArrayList<>();
        for (Method m : Backend.class.getMethods()) {
            if (Modifier.isAbstract(m.getModifiers())) {
                try {
                    implementation.getDeclaredMethod(m.getName(), m.getParameterTypes());
                } catch (NoSuchMethodException e) {
                    inherited.add(m.getName());
                }
            }
        }
        assertThat(inherited).as("kernels %s does not declare", implementation.getSimpleName()).isEmpty();
    }
}
