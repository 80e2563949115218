package dev.panagrad.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class FloatToleranceTest {

    @Test
    void theBoundIsTwiceGammaOfTheChainLength() {
        double u = 0x1p-24;
        assertThat(FloatTolerance.relative(1)).isCloseTo(2 * u / (1 - u), within(1e-18));
        assertThat(FloatTolerance.relative(100)).isCloseTo(2 * 100 * u / (1 - 100 * u), within(1e-18));
        assertThat(FloatTolerance.relative(0)).as("at least one rounding").isEqualTo(FloatTolerance.relative(1));
    }

    @Test
    void absoluteScalesByTheMagnitudeButNeverBelowOne() {
        assertThat(FloatTolerance.absolute(10, 1000)).isEqualTo(1000 * FloatTolerance.relative(10));
        assertThat(FloatTolerance.absolute(10, -1000)).isEqualTo(1000 * FloatTolerance.relative(10));
        assertThat(FloatTolerance.absolute(10, 1e-3)).isEqualTo(FloatTolerance.relative(10));
    }

    @Test
    void floatSumsInAnyOrderStayWithinTheBound() {
        // Sums of 4096 positive floats, left to right and in 16 interleaved lanes, against the exact sum.
        Random random = new Random(3);
        for (int trial = 0; trial < 50; trial++) {
            float[] x = new float[4096];
            double exact = 0;
            for (int i = 0; i < x.length; i++) {
                x[i] = random.nextFloat();
                exact += x[i];
            }
            float serial = 0;
            float[] lanes = new float[16];
            for (int i = 0; i < x.length; i++) {
                serial += x[i];
                lanes[i % 16] += x[i];
            }
            float laned = 0;
            for (float l : lanes) {
                laned += l;
            }
            double bound = FloatTolerance.absolute(x.length, exact);
            assertThat((double) serial).isCloseTo(exact, within(bound));
            assertThat((double) laned).isCloseTo(exact, within(bound));
        }
    }
}
