package dev.panagrad.engine.backend.simd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.panagrad.engine.backend.ConvGeometry;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ChannelConvolutionTest {
    private final boolean saved = ChannelConvolution.WEIGHT_TILE_CALLS.warm();

    @AfterEach
    void restore() {
        ChannelConvolution.WEIGHT_TILE_CALLS.force(saved);
    }

    @Test
    void weightGradientIsBitIdenticalWithShortAndLongTileCalls() {
        // 40 images in 8 chunks of 5: 1280 positions of 16 x 16 per chunk, more than one long call.
        ConvGeometry g = new ConvGeometry(40, 32, 16, 16, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        assertThat(ConvPlan.CURRENT.choose(ConvPlan.Pass.WEIGHT_GRADIENT, g)).isEqualTo(
                ChannelConvolution.TILES_FIT ? ConvPlan.Algorithm.CHANNEL_TILES : ConvPlan.Algorithm.DIRECT);
        Random rng = new Random(7);
        float[] x = gaussian(rng, g.batch() * g.inChannels() * g.inH() * g.inW());
        float[] gy = gaussian(rng, g.batch() * g.outChannels() * g.outH() * g.outW());

        ChannelConvolution.WEIGHT_TILE_CALLS.force(false);
        float[] shortCalls = new float[g.outChannels() * g.patchSize()];
        ChannelConvolution.backwardWeight(g, x, gy, shortCalls, null);
        ChannelConvolution.WEIGHT_TILE_CALLS.force(true);
        float[] longCalls = new float[shortCalls.length];
        ChannelConvolution.backwardWeight(g, x, gy, longCalls, null);

        assertThat(longCalls).containsExactly(shortCalls);
        // dW[0][0, 0, 0] by hand: sum over images and positions of dY[0] times x[0] shifted by (-1, -1).
        double expected = 0;
        for (int n = 0; n < g.batch(); n++) {
            for (int y = 1; y < 16; y++) {
                for (int xx = 1; xx < 16; xx++) {
                    expected += (double) gy[(n * 32) * 256 + y * 16 + xx] * x[(n * 32) * 256 + (y - 1) * 16 + xx - 1];
                }
            }
        }
        assertThat((double) longCalls[0]).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-3));
    }

    private static float[] gaussian(Random rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rng.nextGaussian();
        }
        return a;
    }
}
