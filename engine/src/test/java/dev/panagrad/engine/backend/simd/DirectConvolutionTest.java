package dev.panagrad.engine.backend.simd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.panagrad.engine.backend.ConvGeometry;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DirectConvolutionTest {
    private final List<WarmUpSegments> guards = List.of(DirectConvolution.DOT4X4_CALLS, DirectConvolution.DOT2X4_CALLS);
    private final List<Boolean> saved = guards.stream().map(WarmUpSegments::warm).toList();

    @AfterEach
    void restore() {
        for (int i = 0; i < guards.size(); i++) {
            guards.get(i).force(saved.get(i));
        }
    }

    @Test
    void weightGradientIsBitIdenticalWithShortAndLongSegments() {
        // 4 images of 40 x 36: positions per tile call far beyond one short segment
        ConvGeometry g = new ConvGeometry(4, 6, 40, 36, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        Random rng = new Random(11);
        float[] x = ChannelConvolutionTest.gaussian(rng, g.batch() * g.inChannels() * g.inH() * g.inW());
        float[] gy = ChannelConvolutionTest.gaussian(rng, g.batch() * g.outChannels() * g.outH() * g.outW());

        guards.forEach(guard -> guard.force(false));
        float[] shortSegments = new float[g.outChannels() * g.patchSize()];
        DirectConvolution.backwardWeight(g, x, gy, shortSegments, null);
        guards.forEach(guard -> guard.force(true));
        float[] longSegments = new float[shortSegments.length];
        DirectConvolution.backwardWeight(g, x, gy, longSegments, null);

        assertThat(longSegments).containsExactly(shortSegments);
        // dW[0][0, 1, 1] (the centre tap) by hand: sum over images and positions of dY[0] times x[0]
        double expected = 0;
        for (int n = 0; n < g.batch(); n++) {
            for (int p = 0; p < 40 * 36; p++) {
                expected += (double) gy[n * 8 * 1440 + p] * x[n * 6 * 1440 + p];
            }
        }
        assertThat((double) longSegments[4]).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-3));
    }
}
