package dev.panagrad.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CoreToCoreLatencyTest {
    @Test
    void measuresARoundTripWhereThereAreTwoProcessorsAndSaysNaNOtherwise() {
        double nanos = CoreToCoreLatency.roundTripNanos(20);
        if (Runtime.getRuntime().availableProcessors() >= 2) {
            assertThat(nanos).isPositive().isFinite();
        } else {
            assertThat(nanos).isNaN();
        }
    }

    @Test
    void leavesNoEchoThreadRunning() {
        CoreToCoreLatency.roundTripNanos(20);
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("core-to-core-echo") && t.isAlive());
    }
}
