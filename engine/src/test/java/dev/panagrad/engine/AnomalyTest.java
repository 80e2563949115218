package dev.panagrad.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AnomalyTest {

    @Test
    void theFirstOpWhoseOutputHoldsNaNIsNamedWithItsShapesAndCaller() {
        Tensor x = Tensor.of(new float[] {1f, -1f, 2f}, 3).requiresGrad(true);
        try (var ignored = Anomaly.detect()) {
            Tensor scaled = x.mul(2f).add(1f); // finite: [3, -1, 5]
            assertThatThrownBy(() -> scaled.log())
                    .isInstanceOf(AnomalyException.class)
                    .hasMessageStartingWith("log: output [3] holds NaN at flat index 1")
                    .hasMessageContaining("inputs [3]")
                    .hasMessageContaining("AnomalyTest.lambda$theFirstOpWhoseOutputHoldsNaNIsNamedWithItsShapesAndCaller")
                    .satisfies(e -> assertThat(((AnomalyException) e).op()).isEqualTo("log"));
        }
    }

    @Test
    void aNonFiniteGradientInBackwardNamesTheOpAndWhereItWasCalled() {
        Tensor x = Tensor.of(new float[] {0f, 4f}, 2).requiresGrad(true);
        try (var ignored = Anomaly.detect()) {
            Tensor loss = x.sqrt().sum(); // sqrt(0) is fine; its derivative 1 / (2 sqrt(0)) is not
            assertThatThrownBy(loss::backward)
                    .isInstanceOf(AnomalyException.class)
                    .hasMessageStartingWith("sqrt (backward): the gradient for input 0, of shape [2], holds +Inf at flat index 0")
                    .hasMessageContaining("called from dev.panagrad.engine.AnomalyTest."
                            + "aNonFiniteGradientInBackwardNamesTheOpAndWhereItWasCalled(AnomalyTest.java:");
        }
    }

    @Test
    void infinitiesCountAsAnomaliesToo() {
        Tensor x = Tensor.of(new float[] {1f, 100f}, 2);
        try (var ignored = Anomaly.detect()) {
            assertThatThrownBy(() -> x.exp()).isInstanceOf(AnomalyException.class)
                    .hasMessageContaining("holds +Inf at flat index 1");
        }
    }

    @Test
    void withDetectionOffNaNFlowsThroughSilently() {
        assertThat(Anomaly.isEnabled()).isFalse();
        Tensor y = Tensor.of(new float[] {-1f}, 1).log();
        assertThat(y.item()).isNaN();
    }

    @Test
    void theScopeRestoresThePreviousSetting() {
        try (var outer = Anomaly.detect()) {
            assertThat(Anomaly.isEnabled()).isTrue();
        }
        assertThat(Anomaly.isEnabled()).isFalse();
    }
}
