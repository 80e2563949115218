package dev.panagrad.nn.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChannelStatisticsTest {

    @Test
    void meanAndPopulationStandardDeviationPerChannelOnTheUnitScale() {
        // Two 1 x 2 images of two channels: channel 0 holds 0, 255, 255, 255; channel 1 is 51 everywhere.
        byte[] px = {0, (byte) 255, 51, 51, (byte) 255, (byte) 255, 51, 51};
        ImageDataset d = new ImageDataset("t", "test", List.of("a"), List.of(), 2, 1, 2, px, new int[] {0, 0}, null);

        ChannelStatistics s = ChannelStatistics.of(d);

        // channel 0: mean 3/4, variance 3/4 - 9/16 = 3/16; channel 1: mean 0.2, constant (std floored at 1/255)
        assertThat(s.mean()[0]).isCloseTo(0.75f, within(1e-6f));
        assertThat(s.std()[0]).isCloseTo((float) Math.sqrt(3.0 / 16), within(1e-6f));
        assertThat(s.mean()[1]).isCloseTo(0.2f, within(1e-6f));
        assertThat(s.std()[1]).isCloseTo(1f / 255, within(1e-7f));
    }
}
