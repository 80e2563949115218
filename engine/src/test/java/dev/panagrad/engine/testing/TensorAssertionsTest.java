package dev.panagrad.engine.testing;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.panagrad.engine.Tensor;
import org.junit.jupiter.api.Test;

class TensorAssertionsTest {

    @Test
    void valuesWithinTheRelativeToleranceAreClose() {
        // 1000.1 is within 1e-4 * 1000 of 1000; 0.00005 is within 1e-4 * max(1, 0) of 0
        assertThatCode(() -> TensorAssertions.assertClose("x", Tensor.of(new float[] {1000.1f, 0.00005f}, 2),
                Tensor.of(new float[] {1000f, 0f}, 2), 1e-4)).doesNotThrowAnyException();
    }

    @Test
    void theFirstElementOffIsNamed() {
        assertThatThrownBy(() -> TensorAssertions.assertClose("logits", Tensor.of(new float[] {1f, 2.5f, 9f}, 3),
                Tensor.of(new float[] {1f, 2f, 3f}, 3), 1e-3))
                .isInstanceOf(AssertionError.class)
                .hasMessage("logits: element 1 is 2.5, the reference gives 2.0 (tolerance 0.001 relative)");
    }

    @Test
    void aShapeMismatchIsReportedBeforeValues() {
        assertThatThrownBy(() -> TensorAssertions.assertClose("y", Tensor.zeros(2, 3), Tensor.zeros(3, 2), 1))
                .isInstanceOf(AssertionError.class)
                .hasMessage("y: shape [2, 3], expected [3, 2]");
    }

    @Test
    void nanIsNeverClose() {
        assertThatThrownBy(() -> TensorAssertions.assertClose("z", new float[] {Float.NaN}, new float[] {Float.NaN}, 1))
                .hasMessageContaining("element 0 is NaN");
    }
}
