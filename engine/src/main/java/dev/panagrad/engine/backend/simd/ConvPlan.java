package dev.panagrad.engine.backend.simd;

import dev.panagrad.engine.backend.ConvGeometry;
import java.util.List;
import java.util.function.BiPredicate;

/**
 * Which of the simd backend's convolution algorithms runs a geometry, for each pass, decided in one
 * place: {@link #TABLE}, read top down, where the first row of the pass whose condition holds wins.
 * Every pass ends in a row that always holds, so every geometry has a plan. The measurements behind the
 * rows are in {@code bench/RESULTS.md} ("Why the convolution plan is what it is").
 *
 * <p>A plan depends on the machine through two numbers: the width of a channel tile (two vectors of
 * floats: 32 with AVX-512, 16 with AVX2) and the taps of the weight-gradient tile (9 with 32 vector
 * registers, 3 with 16), and on whether the channel tiles fit in the registers at all. {@link #CURRENT}
 * is this machine's plan; tests build the plans of other machines to check the table for each.
 *
 * @param channelTile output (or input) channels per tile of {@link ChannelConvolution}
 * @param weightTaps  taps per weight-gradient tile of {@link ChannelConvolution}
 * @param channelTilesFit whether {@link ChannelConvolution}'s tiles stay in registers on this machine
 */
record ConvPlan(int channelTile, int weightTaps, boolean channelTilesFit) {

    /** This machine's plan. */
    static final ConvPlan CURRENT = new ConvPlan(ChannelConvolution.CHANNEL_TILE, ChannelConvolution.WEIGHT_TILE.rows(),
            ChannelConvolution.TILES_FIT);

    /** The three computations of a convolution layer's training step. */
    enum Pass { FORWARD, INPUT_GRADIENT, WEIGHT_GRADIENT }

    /** The algorithms, each in its own class. */
    enum Algorithm {
        /** {@link ChannelConvolution}: vectors across output channels (input channels for the input gradient). */
        CHANNEL_TILES,
        /** {@link PhaseSplitInputGradient}: a strided convolution's input gradient as one stride-1 correlation per phase, on the channel tiles. */
        PHASE_TILES,
        /** {@link GemmConvolution} without packing: a 1 x 1 convolution at stride 1 with no padding, whose image is already the matrix. */
        POINTWISE_GEMM,
        /** {@link GemmConvolution#backwardWeightBatched}: the weight gradient of the whole batch as one GEMM per group. */
        BATCHED_GEMM,
        /** {@link DirectConvolution}: vectors along the output positions of a zero-padded image. */
        DIRECT,
        /** {@link GemmConvolution}: GEMM with the im2col matrix packed on the fly ({@link Im2col}). */
        IM2COL_GEMM
    }

    /** One row: in {@code pass}, {@code algorithm} runs where {@code test} holds, for the reason {@code why}. */
    record Rule(Pass pass, Algorithm algorithm, String why, BiPredicate<ConvPlan, ConvGeometry> test) {
    }

    /** Planes at most this large (16 x 16) are "small": rows too short to fill vectors along positions. */
    static final int SMALL_PLANE = 256;
    /** Output planes at most this large (8 x 8) take the batched weight gradient. */
    static final int TINY_PLANE = 64;
    /** Output planes at most this large (16 x 8) take the batched weight gradient where the weights are many. */
    static final int SMALL_BATCHED_PLANE = 128;
    /** Weights per group from which the channel tiles' per-chunk copies of dW outgrow the caches. */
    static final int LARGE_WEIGHTS = 1 << 20;

    static final List<Rule> TABLE = List.of(
            new Rule(Pass.FORWARD, Algorithm.CHANNEL_TILES,
                    "a tile needs two full vectors of output channels; strided layers and small planes are where "
                            + "im2col pays more for packing than for arithmetic and rows along positions are short",
                    ConvPlan::channelTilesSuit),
            new Rule(Pass.FORWARD, Algorithm.POINTWISE_GEMM,
                    "the image is already GEMM's right-hand matrix: nothing to pack",
                    (p, g) -> g.isPointwise()),
            new Rule(Pass.FORWARD, Algorithm.DIRECT,
                    "at stride 1, shifted rows of the padded image are the GEMM's operand without an im2col copy",
                    (p, g) -> !strided(g)),
            new Rule(Pass.FORWARD, Algorithm.IM2COL_GEMM,
                    "every other geometry: strided with few channels, or rectangular strides",
                    (p, g) -> true),

            new Rule(Pass.INPUT_GRADIENT, Algorithm.CHANNEL_TILES,
                    "as the forward of the transposed convolution, with vectors across input channels, where there "
                            + "are two vectors of them and the input plane is small",
                    (p, g) -> p.channelTilesFit && !g.isPointwise() && transposesToStrideOne(g)
                            && g.groupInChannels() >= p.channelTile && g.inH() * g.inW() <= SMALL_PLANE),
            new Rule(Pass.INPUT_GRADIENT, Algorithm.PHASE_TILES,
                    "strided, with two vectors of input channels and a tap in every phase of the stride: each phase "
                            + "is a stride-1 correlation of dY with its own taps, so no GEMM to columns and no col2im scatter",
                    (p, g) -> p.channelTilesFit && strided(g) && g.groupInChannels() >= p.channelTile
                            && PhaseSplitInputGradient.reachesEveryPhase(g)),
            new Rule(Pass.INPUT_GRADIENT, Algorithm.POINTWISE_GEMM,
                    "W^T dY lands on the input positions directly: no col2im",
                    (p, g) -> g.isPointwise()),
            new Rule(Pass.INPUT_GRADIENT, Algorithm.DIRECT,
                    "at stride 1 the input gradient is a stride-1 convolution of the padded output gradient with "
                            + "the flipped kernel: no col2im scatter",
                    (p, g) -> transposesToStrideOne(g)),
            new Rule(Pass.INPUT_GRADIENT, Algorithm.IM2COL_GEMM,
                    "every other geometry: one GEMM to columns, then col2im adds them back",
                    (p, g) -> true),

            new Rule(Pass.WEIGHT_GRADIENT, Algorithm.BATCHED_GEMM,
                    "many channels on a small plane: the tiles keep one copy of dW per chunk of images (32 MB and "
                            + "more from 2^20 weights, past a last-level cache) and have few positions per image to "
                            + "spread their stores over; one GEMM over the whole batch keeps one copy",
                    (p, g) -> g.batch() > 1 && outPlane(g) <= SMALL_BATCHED_PLANE && weights(g) >= LARGE_WEIGHTS),
            new Rule(Pass.WEIGHT_GRADIENT, Algorithm.CHANNEL_TILES,
                    "the forward's channel-tile shapes with at least two thirds of a weight tile's taps in use; "
                            + "with tiles of 9 taps (32 registers) on planes of any size; with tiles of one kernel row "
                            + "(16 registers), kernels 3 wide at stride 1 on large planes, where the tile reads shifted "
                            + "copies of the image at fixed offsets",
                    (p, g) -> (channelTilesSuit(p, g) || shiftedRows(p, g) || squareTiles(p, g))
                            && taps(g) >= p.weightTaps * 2 / 3),
            new Rule(Pass.WEIGHT_GRADIENT, Algorithm.POINTWISE_GEMM,
                    "dY X^T per image, the image read through GEMM's transpose flag",
                    (p, g) -> g.isPointwise()),
            new Rule(Pass.WEIGHT_GRADIENT, Algorithm.BATCHED_GEMM,
                    "tiny planes: one long product over the batch shares the W-sized work, where per-image "
                            + "products and rows of 8 would leave vectors half empty",
                    (p, g) -> outPlane(g) <= TINY_PLANE && g.batch() > 1),
            new Rule(Pass.WEIGHT_GRADIENT, Algorithm.DIRECT,
                    "at stride 1, shifted rows of the padded image without an im2col copy",
                    (p, g) -> !strided(g)),
            new Rule(Pass.WEIGHT_GRADIENT, Algorithm.IM2COL_GEMM,
                    "every other geometry: per-image GEMMs with the transposed im2col matrix packed on the fly",
                    (p, g) -> true));

    /** The algorithm for {@code pass} of {@code g}: the first row of the table that holds. */
    Algorithm choose(Pass pass, ConvGeometry g) {
        return rule(pass, g).algorithm();
    }

    /** The row of the table that decides {@code pass} of {@code g}. */
    Rule rule(Pass pass, ConvGeometry g) {
        for (Rule r : TABLE) {
            if (r.pass() == pass && r.test().test(this, g)) {
                return r;
            }
        }
        throw new IllegalStateException("conv plan: no row for " + pass + " of " + g); // the last row always holds
    }

    /** The forward's channel-tile row: two full vectors of output channels, strided or a small plane. */
    private static boolean channelTilesSuit(ConvPlan p, ConvGeometry g) {
        return p.channelTilesFit && taps(g) > 1 && g.groupOutChannels() >= p.channelTile
                && (strided(g) || outPlane(g) <= SMALL_PLANE);
    }

    /** Whether the weight gradient's paired tile reads shifted copies: one kernel row a tile, 3 wide, stride 1. */
    private static boolean shiftedRows(ConvPlan p, ConvGeometry g) {
        return p.channelTilesFit && p.weightTaps == 3 && ChannelConvolution.readsShiftedCopies(g)
                && g.groupOutChannels() >= p.channelTile;
    }

    /** Weight-gradient tiles of 9 taps (32 registers): two full vectors of output channels, any plane. */
    private static boolean squareTiles(ConvPlan p, ConvGeometry g) {
        return p.channelTilesFit && p.weightTaps == 9 && taps(g) > 1 && g.groupOutChannels() >= p.channelTile;
    }

    private static long weights(ConvGeometry g) {
        return (long) g.groupOutChannels() * g.groupInChannels() * taps(g);
    }

    private static int taps(ConvGeometry g) {
        return g.kernelH() * g.kernelW();
    }

    private static boolean strided(ConvGeometry g) {
        return g.strideH() > 1 || g.strideW() > 1;
    }

    private static int outPlane(ConvGeometry g) {
        return g.outH() * g.outW();
    }

    /**
     * Whether the input gradient is a stride-1 convolution of dY padded by {@code dilation (k - 1) - pad}
     * on each side, which must not be negative.
     */
    static boolean transposesToStrideOne(ConvGeometry g) {
        return !strided(g) && g.padH() <= g.dilationH() * (g.kernelH() - 1)
                && g.padW() <= g.dilationW() * (g.kernelW() - 1);
    }
}
