package dev.panagrad.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.backend.scalar.ScalarBackend;
import dev.panagrad.engine.backend.simd.SimdBackend;
import org.junit.jupiter.api.Test;

class BackendsTest {

    @Test
    void theEnginesBackendsAreFoundAsServices() {
        assertThat(Backends.names()).containsExactly("opencl", "scalar", "simd");
    }

    @Test
    void aNameMakesANewBackendOfThatKind() {
        assertThat(Backends.create("scalar")).isInstanceOf(ScalarBackend.class);
        assertThat(Backends.create("simd")).isInstanceOf(SimdBackend.class)
                .isNotSameAs(Backends.create("simd"));
    }

    @Test
    void anUnknownNameListsTheKnownOnes() {
        assertThatThrownBy(() -> Backends.create("cuda"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend: unknown name 'cuda'; known: [opencl, scalar, simd]");
    }

    @Test
    void aScopedChoiceIsUndoneWhenItCloses() {
        Backend before = Backends.current();
        ScalarBackend scalar = new ScalarBackend();
        try (var s = Backends.scoped(scalar)) {
            assertThat(Backends.current()).isSameAs(scalar);
        }
        assertThat(Backends.current()).isSameAs(before);
    }
}
