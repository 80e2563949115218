package dev.panagrad.engine.backend.simd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.panagrad.engine.backend.ConvGeometry;
import dev.panagrad.engine.backend.Parallel;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The strided input gradient, phase by phase, against the definition summed in double. */
@Tag("kernels")
class PhaseSplitInputGradientTest {

    @Test
    void matchesTheDefinitionOnAStrideTwoLayerWithTwoBlocksOfChannels() {
        // 2 CO + 3 input channels: two whole blocks and a partial one; odd height, so phases of 5 and 4 rows
        ConvGeometry g = new ConvGeometry(2, 2 * ChannelConvolution.CHANNEL_TILE + 3, 9, 8, 12, 3, 3, 2, 2, 1, 1, 1, 1, 1);
        assertMatchesDefinition(g);
    }

    @Test
    void matchesTheDefinitionAtStrideThreeByTwoWithDilatedRows() {
        assertMatchesDefinition(new ConvGeometry(2, ChannelConvolution.CHANNEL_TILE, 11, 10, 6, 3, 3, 3, 2, 1, 2, 2, 1, 1));
    }

    @Test
    void rowsThatNoTapReachesGetZeros() {
        // a 1 x 3 kernel at stride 2 down the rows, no padding there: odd input rows feed no output
        ConvGeometry g = new ConvGeometry(2, ChannelConvolution.CHANNEL_TILE, 7, 6, 5, 1, 3, 2, 1, 0, 1, 1, 1, 1);
        assertThat(PhaseSplitInputGradient.reachesEveryPhase(g)).isFalse();
        float[] gx = assertMatchesDefinition(g);
        for (int plane = 0; plane < g.batch() * g.inChannels(); plane++) {
            for (int iy = 1; iy < g.inH(); iy += 2) {
                for (int ix = 0; ix < g.inW(); ix++) {
                    assertThat(gx[(plane * g.inH() + iy) * g.inW() + ix]).isZero();
                }
            }
        }
    }

    @Test
    void theBitsDoNotDependOnTheThreadCount() {
        ConvGeometry g = new ConvGeometry(4, ChannelConvolution.CHANNEL_TILE, 12, 12, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1);
        Random rng = new Random(5);
        float[] gy = gaussian(rng, g.batch() * g.outChannels() * g.outH() * g.outW());
        float[] w = gaussian(rng, g.outChannels() * g.patchSize());
        int threads = Parallel.threads();
        float[] one = new float[g.batch() * g.inChannels() * g.inH() * g.inW()];
        float[] two = new float[one.length];
        try {
            Parallel.setThreads(1);
            PhaseSplitInputGradient.backwardInput(g, gy, w, one);
            Parallel.setThreads(2);
            PhaseSplitInputGradient.backwardInput(g, gy, w, two);
        } finally {
            Parallel.setThreads(threads);
        }
        assertThat(two).containsExactly(one);
    }

    @Test
    void everyPhaseOfAThreeByThreeKernelAtStrideTwoHasATapButNotOfAOneByOne() {
        assertThat(PhaseSplitInputGradient.reachesEveryPhase(new ConvGeometry(1, 8, 8, 8, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1)))
                .isTrue();
        assertThat(PhaseSplitInputGradient.reachesEveryPhase(new ConvGeometry(1, 8, 8, 8, 8, 1, 1, 2, 2, 0, 0, 1, 1, 1)))
                .isFalse();
    }

    /**
     * Runs the kernel and checks each dX value against the definition in double: within n u (sum of
     * |terms|) for its n terms, u = 2^-24, the bound of any order of float summation.
     */
    private static float[] assertMatchesDefinition(ConvGeometry g) {
        Random rng = new Random(11);
        float[] gy = gaussian(rng, g.batch() * g.outChannels() * g.outH() * g.outW());
        float[] w = gaussian(rng, g.outChannels() * g.patchSize());
        float[] gx = new float[g.batch() * g.inChannels() * g.inH() * g.inW()];
        java.util.Arrays.fill(gx, Float.NaN); // every value must be written
        PhaseSplitInputGradient.backwardInput(g, gy, w, gx);
        double[] exact = new double[gx.length];
        double[] magnitude = new double[gx.length];
        int[] terms = new int[gx.length];
        int og = g.groupOutChannels();
        int cg = g.groupInChannels();
        for (int n = 0; n < g.batch(); n++) {
            for (int o = 0; o < g.outChannels(); o++) {
                int grp = o / og;
                for (int oy = 0; oy < g.outH(); oy++) {
                    for (int ox = 0; ox < g.outW(); ox++) {
                        double dy = gy[((n * g.outChannels() + o) * g.outH() + oy) * g.outW() + ox];
                        for (int c = 0; c < cg; c++) {
                            for (int ky = 0; ky < g.kernelH(); ky++) {
                                int iy = oy * g.strideH() + ky * g.dilationH() - g.padH();
                                for (int kx = 0; kx < g.kernelW(); kx++) {
                                    int ix = ox * g.strideW() + kx * g.dilationW() - g.padW();
                                    if (iy < 0 || iy >= g.inH() || ix < 0 || ix >= g.inW()) {
                                        continue;
                                    }
                                    int at = ((n * g.inChannels() + grp * cg + c) * g.inH() + iy) * g.inW() + ix;
                                    double term = w[((o * cg + c) * g.kernelH() + ky) * g.kernelW() + kx] * dy;
                                    exact[at] += term;
                                    magnitude[at] += Math.abs(term);
                                    terms[at]++;
                                }
                            }
                        }
                    }
                }
            }
        }
        for (int i = 0; i < gx.length; i++) {
            double bound = Math.max(1, terms[i]) * Math.ulp(1f) / 2 * magnitude[i];
            assertThat((double) gx[i]).as("dX[%d] of %s", i, g).isCloseTo(exact[i], org.assertj.core.data.Offset.offset(bound));
        }
        return gx;
    }

    private static float[] gaussian(Random rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rng.nextGaussian();
        }
        return a;
    }
}
