package dev.panagrad.engine.backend.simd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.panagrad.engine.backend.ConvGeometry;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ChannelConvolutionTest {
    private final List<Boolean> saved = ChannelConvolution.weightTileGuards().stream().map(WarmUpSegments::warm).toList();

    @AfterEach
    void restore() {
        for (int i = 0; i < saved.size(); i++) {
            ChannelConvolution.weightTileGuards().get(i).force(saved.get(i));
        }
    }

    private static void forceAll(boolean warm) {
        ChannelConvolution.weightTileGuards().forEach(guard -> guard.force(warm));
    }

    @Test
    void eachWeightTileWarmsUpOnItsOwn() {
        // a 3 x 3 layer warms its tile's guard; the general tile (7 x 7 stems) must still start with short calls
        forceAll(false);
        ConvGeometry g = new ConvGeometry(8, 32, 16, 16, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        float[] gw = new float[g.outChannels() * g.patchSize()];
        Random rng = new Random(3);
        for (int i = 0; i < 40 && !ChannelConvolution.weightTileGuards().stream().limit(4).anyMatch(WarmUpSegments::warm); i++) {
            ChannelConvolution.backwardWeight(g, gaussian(rng, g.batch() * 32 * 256), gaussian(rng, g.batch() * 32 * 256), gw, null);
        }
        assertThat(ChannelConvolution.weightTileGuards().stream().limit(4).anyMatch(WarmUpSegments::warm))
                .as("a 3 x 3 tile's guard warmed").isEqualTo(ChannelConvolution.TILES_FIT);
        assertThat(ChannelConvolution.TAPS_TILE_CALLS.warm()).as("the general tile's guard").isFalse();
        assertThat(ChannelConvolution.TAPS_TILE_CALLS.length()).isEqualTo(64);
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

        forceAll(false);
        float[] shortCalls = new float[g.outChannels() * g.patchSize()];
        ChannelConvolution.backwardWeight(g, x, gy, shortCalls, null);
        forceAll(true);
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

    @Test
    void pairedChannelTileGivesTheBitsOfTwoOneChannelTiles() {
        // 2 images of 5 x 5 padded planes, 2 input channels, 32 output channels (ogPad), 9 positions each.
        int plane = 25;
        int ogPad = 32;
        int co = ChannelConvolution.CHANNEL_TILE;
        Random rng = new Random(11);
        float[] xp = gaussian(rng, 2 * 2 * plane + 8);
        int[] at = new int[18];
        for (int q = 0; q < at.length; q++) {
            at[q] = (q / 9) * 2 * plane + (q % 9 / 3) * 5 + q % 3;
        }
        float[] gyt = gaussian(rng, at.length * ogPad);
        int o0 = ogPad - co; // the last block of channels
        int rowOff = 5; // kernel row 1
        float[] pair = new float[6 * co];
        float[] first = new float[3 * co];
        float[] second = new float[3 * co];
        // two calls each (positions 0-6, then 7-17): sums carried over through the tile
        ChannelConvolution.weightTileRow3Pair(0, 7, true, at, rowOff, plane, gyt, o0, ogPad, xp, pair);
        ChannelConvolution.weightTileRow3Pair(7, 18, false, at, rowOff, plane, gyt, o0, ogPad, xp, pair);
        ChannelConvolution.weightTileRow3(0, 7, true, at, rowOff, gyt, o0, ogPad, xp, first);
        ChannelConvolution.weightTileRow3(7, 18, false, at, rowOff, gyt, o0, ogPad, xp, first);
        ChannelConvolution.weightTileRow3(0, 7, true, at, rowOff + plane, gyt, o0, ogPad, xp, second);
        ChannelConvolution.weightTileRow3(7, 18, false, at, rowOff + plane, gyt, o0, ogPad, xp, second);

        assertThat(java.util.Arrays.copyOfRange(pair, 0, 3 * co)).containsExactly(first);
        assertThat(java.util.Arrays.copyOfRange(pair, 3 * co, 6 * co)).containsExactly(second);
        // tile[t][j] by hand for channel c + 1, tap 2, the block's last channel
        double expected = 0;
        for (int q = 0; q < at.length; q++) {
            expected += (double) gyt[q * ogPad + o0 + co - 1] * xp[rowOff + plane + at[q] + 2];
        }
        assertThat((double) pair[(3 + 2) * co + co - 1]).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-4));
    }

    @Test
    void shiftedWeightTileGivesTheBitsOfThePairedTile() {
        // 2 images of 2 channels, 3 x 3 planes padded by 1 (5 x 5); 9 positions each; kernel row 1
        int co = ChannelConvolution.CHANNEL_TILE;
        int channels = 2;
        int h = 3;
        int plane = 25;
        Random rng = new Random(13);
        float[] x = gaussian(rng, 2 * channels * h * h);
        float[] xpad = new float[2 * channels * plane + 8];
        int shiftPlane = 5 * 3; // hp x ow
        int shiftImage = 3 * channels * shiftPlane;
        float[] xs = new float[2 * shiftImage + co];
        int[] at = new int[18];
        for (int i = 0; i < 2; i++) {
            ZeroPadding.copy(x, i * channels * h * h, channels, h, h, 1, 1, xpad, i * channels * plane);
            ZeroPadding.copyShifted(x, i * channels * h * h, channels, h, h, 1, 1, 3, xs, i * shiftImage);
        }
        for (int q = 0; q < at.length; q++) {
            at[q] = (q / 9) * channels * plane + (q % 9 / 3) * 5 + q % 3;
        }
        float[] gyt = gaussian(rng, at.length * co);
        int ky = 1;
        float[] paired = new float[6 * co];
        float[] shifted = new float[6 * co];
        ChannelConvolution.weightTileRow3Pair(0, 18, true, at, ky * 5, plane, gyt, 0, co, xpad, paired);
        for (int i = 0; i < 2; i++) {
            ChannelConvolution.weightTileShifted(i == 0, xs, i * shiftImage + ky * 3, shiftPlane, channels * shiftPlane, gyt,
                    i * 9 * co, 9, shifted);
        }

        assertThat(shifted).containsExactly(paired);
        // channel 1, tap (1, 2), the first output channel, by hand: x[1][oy][ox + 1] under each position
        double expected = 0;
        for (int q = 0; q < 18; q++) {
            int oy = q % 9 / 3;
            int ox = q % 3 + 1;
            if (ox < 3) {
                expected += (double) gyt[q * co] * x[((q / 9) * channels + 1) * 9 + oy * 3 + ox];
            }
        }
        assertThat((double) shifted[5 * co]).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-5));
    }

    @Test
    void twoRowForwardTileGivesTheBitsOfOneRowTiles() {
        // 3 taps of 5 input channels, channels last in a padded image of rows 7 positions wide (35 floats);
        // the tile's positions 2 apart (stride 2), its rows 2 image rows apart.
        int co = ChannelConvolution.CHANNEL_TILE;
        int cg = 5;
        int row = 7 * cg;
        int[] tapOff = {0, cg, row + 2 * cg};
        int colStep = 2 * cg;
        int rowStep = 2 * row;
        Random rng = new Random(5);
        float[] xp = gaussian(rng, 8 * row);
        float[] wp = gaussian(rng, tapOff.length * cg * co);
        int base = cg;
        float[] pair = new float[6 * co];
        float[] top = new float[4 * co];
        float[] bottom = new float[4 * co];
        ChannelConvolution.micro2x3(tapOff.length, cg, wp, 0, xp, tapOff, base, colStep, rowStep, pair, 0, 3 * co);
        ChannelConvolution.micro4(tapOff.length, cg, wp, 0, xp, tapOff, base, colStep, top, 0);
        ChannelConvolution.micro4(tapOff.length, cg, wp, 0, xp, tapOff, base + rowStep, colStep, bottom, 0);

        assertThat(java.util.Arrays.copyOfRange(pair, 0, 3 * co)).containsExactly(java.util.Arrays.copyOfRange(top, 0, 3 * co));
        assertThat(java.util.Arrays.copyOfRange(pair, 3 * co, 6 * co))
                .containsExactly(java.util.Arrays.copyOfRange(bottom, 0, 3 * co));
        float[] narrow = new float[4 * co];
        ChannelConvolution.micro2x2(tapOff.length, cg, wp, 0, xp, tapOff, base, colStep, rowStep, narrow, 0, 2 * co);
        assertThat(java.util.Arrays.copyOfRange(narrow, 0, 2 * co)).containsExactly(java.util.Arrays.copyOfRange(top, 0, 2 * co));
        assertThat(java.util.Arrays.copyOfRange(narrow, 2 * co, 4 * co))
                .containsExactly(java.util.Arrays.copyOfRange(bottom, 0, 2 * co));
        // the second row's third position, last output channel, by hand: weights [tap][input channel][co]
        double expected = 0;
        for (int t = 0; t < tapOff.length; t++) {
            for (int c = 0; c < cg; c++) {
                expected += (double) wp[(t * cg + c) * co + co - 1] * xp[base + rowStep + 2 * colStep + tapOff[t] + c];
            }
        }
        assertThat((double) pair[5 * co + co - 1]).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-5));
    }

    @Test
    void twoRowTilesFillEachRowExactly() {
        // the columns of the tiles from left to right, for rows 1 to 8 and 16 wide
        int[][] expected = {{3}, {2}, {3}, {2, 2}, {3, 2}, {3, 3}, {3, 2, 2}, {3, 3, 2}};
        for (int ow = 1; ow <= 8; ow++) {
            assertThat(columns(ow)).as("a row %d wide", ow).containsExactly(expected[ow - 1]);
        }
        assertThat(columns(16)).containsExactly(3, 3, 3, 3, 2, 2);
    }

    private static int[] columns(int ow) {
        java.util.List<Integer> tiles = new java.util.ArrayList<>();
        for (int ox0 = 0; ox0 < ow; ox0 += tiles.get(tiles.size() - 1)) {
            tiles.add(ChannelConvolution.pairColumns(ow, ox0));
        }
        return tiles.stream().mapToInt(Integer::intValue).toArray();
    }

    /** n samples of a standard normal, for the convolution tests of this package. */
    static float[] gaussian(Random rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rng.nextGaussian();
        }
        return a;
    }
}
