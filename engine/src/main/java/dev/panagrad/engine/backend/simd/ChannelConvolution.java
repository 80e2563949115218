package dev.panagrad.engine.backend.simd;

import dev.panagrad.engine.backend.HostArrayPool;
import dev.panagrad.engine.backend.ConvGeometry;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Convolution with vectors across output channels: the register tile is 2 vectors of output channels
 * (2 x 16 with AVX-512) by R output positions of one row (8 with 32 vector registers; with 16, and on
 * rows of at most 4 positions, two rows of 3 or 2). For every tap (ky, kx) and input channel c it loads
 * the weights for those channels once and broadcasts the R input values under the R positions from a
 * zero-padded copy of the image, so there is no im2col matrix and no packing of the input, at any stride. The copy is channels last
 * ({@link ZeroPadding#copyChannelsLast}): the innermost loop runs over c (over a kernel row's taps and
 * channels together where they are neighbours), reading neighbouring floats.
 * The tiles' sums go to a channels-last buffer, which {@link Transposition} turns into output planes.
 * This suits the small planes and strided layers of CIFAR ResNets, where vectors along positions
 * ({@link DirectConvolution}) are short rows with wide padding and im2col GEMMs pay more for packing
 * than for arithmetic.
 *
 * <p>Each output is one dot product over the taps and channels in a fixed order, so the bits do not depend on the
 * thread count. The input gradient of a stride-1 convolution is the forward of the transposed
 * convolution, as in {@link DirectConvolution#backwardInput}.
 */
final class ChannelConvolution {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Output channels per tile: two vectors. */
    static final int CHANNEL_TILE = 2 * L;
    private static final int CO = CHANNEL_TILE;
    /**
     * The forward's register tile: R output positions (broadcast) by 2 vectors of output channels. 8 x 2
     * (26 registers under C2's schedule) with 32 vector registers, 4 x 2 (14) with 16.
     */
    static final RegisterTile FORWARD_TILE = RegisterTile.choose(VectorMachine.CURRENT,
            java.util.List.of(RegisterTile.of(8, 2), RegisterTile.of(4, 2)), System.getProperty("panagrad.channel.tile"));
    /** Output positions per tile. */
    private static final int R = FORWARD_TILE.rows();
    /**
     * The weight gradient's register tile: T taps of one input channel (broadcast) by 2 vectors of output
     * channels. 9 x 2 (29 registers), a 3 x 3 kernel's worth, with 32 vector registers; 3 x 2 (11), one
     * kernel row, with 16.
     */
    static final RegisterTile WEIGHT_TILE = RegisterTile.choose(VectorMachine.CURRENT,
            java.util.List.of(RegisterTile.of(9, 2), RegisterTile.of(3, 2)), System.getProperty("panagrad.channel.weightTile"));
    /**
     * Whether this kernel runs at all: only where both tiles stay in registers (a machine with fewer than
     * 11 would spill even the small ones). {@code -Dpanagrad.channelConvolution=false} turns it off.
     */
    static final boolean TILES_FIT = Boolean.parseBoolean(System.getProperty("panagrad.channelConvolution",
            String.valueOf(VectorMachine.CURRENT.fits(FORWARD_TILE) && VectorMachine.CURRENT.fits(WEIGHT_TILE))));
    /**
     * Whether the forward takes two output rows at a time ({@link #micro2x3}, {@link #micro2x2}) instead of
     * one row of R positions: where the tile of one row is 4 x 2 (16 vector registers), its 8
     * accumulators are just the chains that two multiply-add pipes of 4 cycles' latency need, with no
     * slack for the tap's index and bounds checks. Two rows of 3 make 12 accumulators, which C2 keeps
     * with the 2 weight vectors and 2 broadcasts in 16 registers (read in the generated code). An odd
     * last row takes the one-row tile.
     */
    static final boolean ROW_PAIRS = R == 4 && VectorMachine.CURRENT.registers() >= 16;

    /**
     * Columns of the two-row tile at column {@code ox0} of rows {@code ow} wide: 3, with tiles of 2 at the
     * end so that the tiles fill the row exactly (8 = 3 + 3 + 2, 16 = 4 x 3 + 2 x 2); a row 1 wide takes
     * one tile of 3.
     */
    static int pairColumns(int ow, int ox0) {
        int twos = ow < 2 ? 0 : (3 - ow % 3) % 3;
        return ox0 < ow - 2 * twos ? 3 : 2;
    }

    private static final ThreadLocal<int[]> TARGETS = ThreadLocal.withInitial(() -> new int[L]);
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[2][0]);
    private static final ThreadLocal<float[][]> PARTIALS = ThreadLocal.withInitial(() -> new float[2][0]);
    private static final ThreadLocal<float[][]> WEIGHT_BUFFERS = ThreadLocal.withInitial(() -> new float[3][0]);

    private ChannelConvolution() {
    }

    static void forward(ConvGeometry g, float[] x, float[] w, float[] bias, float[] out) {
        int og = g.groupOutChannels();
        int cg = g.groupInChannels();
        int taps = g.kernelH() * g.kernelW();
        int k = cg * taps;
        int blocks = (og + CO - 1) / CO;
        int hp = g.inH() + 2 * g.padH();
        int wp = g.inW() + 2 * g.padW();
        // The padded image channels last ([row][column][channel], ZeroPadding.copyChannelsLast): a tap's
        // reads for all input channels are cg neighbouring floats, so the tile's innermost loop runs along
        // them with indexes the JIT checks once per run, at any stride. Output positions of a tile are
        // colStep floats apart, its two rows rowStep.
        int colStep = g.strideW() * cg;
        int rowStep = g.strideH() * wp * cg;
        // Tiles at the end of a row may read up to R (or 3) positions past it: slack after the image.
        int bufferSize = (hp * wp + TILE_SLACK * g.strideW()) * cg;
        int groupWeights = blocks * k * CO;
        // [group][block][tap][input channel][CO output channels]; channels past og in the last block stay zero.
        float[] packed = HostArrayPool.borrowZeroed(g.groups() * groupWeights);
        for (int grp = 0; grp < g.groups(); grp++) {
            for (int o = 0; o < og; o++) {
                int block = o / CO;
                int lane = o % CO;
                for (int c = 0; c < cg; c++) {
                    for (int t = 0; t < taps; t++) {
                        packed[grp * groupWeights + (block * k + t * cg + c) * CO + lane] = w[(grp * og + o) * k + c * taps + t];
                    }
                }
            }
        }
        // The tiles' inner loop runs over one run of neighbouring floats per step of the outer: where the
        // kernel's columns are neighbours (dilation 1), a whole kernel row's taps and channels, kW cg floats
        // in the image and in the packed weights alike (the same order of terms, a third of the loops for
        // 3 x 3); else one tap's cg channels.
        boolean rows = g.dilationW() == 1;
        int runs = rows ? g.kernelH() : taps;
        int run = rows ? g.kernelW() * cg : cg;
        int[] tapOff = new int[runs]; // where each run starts, from a tile position's first float
        for (int t = 0; t < runs; t++) {
            tapOff[t] = rows ? t * g.dilationH() * wp * cg
                    : ((t / g.kernelW()) * g.dilationH() * wp + (t % g.kernelW()) * g.dilationW()) * cg;
        }
        int oh = g.outH();
        int ow = g.outW();
        int outPlane = oh * ow;
        int inPlane = g.inH() * g.inW();
        // Each channel's bias 8 times over, the runs Transposition adds to its columns.
        float[] biasLanes = bias == null ? null : new float[g.outChannels() * 8];
        for (int i = 0; biasLanes != null && i < biasLanes.length; i++) {
            biasLanes[i] = bias[i / 8];
        }
        SimdConvolution.forEachImageAndGroup(g, (n, grp) -> {
            float[][] buf = BUFFERS.get();
            float[] xpad = Scratch.atLeast(buf, 0, bufferSize);
            // A block's outputs channels last, [position][CO]; tiles store whole, so a tile's positions past
            // a row's end land on the next row's first ones (later tiles overwrite them) or in the slack.
            float[] sums = Scratch.atLeast(buf, 1, (outPlane + TILE_SLACK) * CO);
            int past = ZeroPadding.copyChannelsLast(x, (n * g.inChannels() + grp * cg) * inPlane, cg, g.inH(), g.inW(),
                    g.padH(), g.padW(), xpad, 0);
            java.util.Arrays.fill(xpad, past, bufferSize, 0f);
            for (int block = 0; block < blocks; block++) {
                tilePlane(oh, ow, runs, run, packed, grp * groupWeights + block * k * CO, xpad, tapOff, colStep, rowStep,
                        sums);
                int channel = grp * og + block * CO;
                toPlanes(sums, outPlane, Math.min(CO, og - block * CO), biasLanes, bias, channel, out,
                        (n * g.outChannels() + channel) * outPlane);
            }
        });
        HostArrayPool.give(packed);
    }

    /**
     * One block of CO channels over an output plane of {@code oh x ow} positions, channels last:
     * {@code sums[(oy ow + ox) CO + j]} is the dot product of the packed weights from {@code wOff} (runs of
     * {@code run} floats, one after another) with the image floats from {@code oy rowStep + ox colStep +
     * tapOff[t]}, run t after run t. Tiles store whole, so a tile's positions past a row's end land on the
     * next row's first ones (later tiles overwrite them) or in the slack of R (or 3) positions after the
     * plane; reads go as far past a row's last position.
     */
    static void tilePlane(int oh, int ow, int runs, int run, float[] packed, int wOff, float[] xpad, int[] tapOff,
                          int colStep, int rowStep, float[] sums) {
        // Rows of at most 4 positions (a ResNet's last stage on 8 x 4) would leave half of an 8-position tile
        // or more idle: pairs of rows fill the two-row tiles exactly there too.
        boolean pairs = ROW_PAIRS || ow <= 4;
        int oy = 0;
        for (; pairs && oy + 1 < oh; oy += 2) {
            for (int ox0 = 0, columns; ox0 < ow; ox0 += columns) {
                columns = pairColumns(ow, ox0);
                int base = oy * rowStep + ox0 * colStep;
                int at = (oy * ow + ox0) * CO;
                if (columns == 3) {
                    micro2x3(runs, run, packed, wOff, xpad, tapOff, base, colStep, rowStep, sums, at, at + ow * CO);
                } else {
                    micro2x2(runs, run, packed, wOff, xpad, tapOff, base, colStep, rowStep, sums, at, at + ow * CO);
                }
            }
        }
        for (; oy < oh; oy++) {
            for (int ox0 = 0, step; ox0 < ow; ox0 += step) {
                int base = oy * rowStep + ox0 * colStep;
                if (R == 4 || ow - ox0 <= 4) { // a row's last 4 positions or fewer take the 4-position tile
                    micro4(runs, run, packed, wOff, xpad, tapOff, base, colStep, sums, (oy * ow + ox0) * CO);
                    step = 4;
                } else {
                    micro8(runs, run, packed, wOff, xpad, tapOff, base, colStep, sums, (oy * ow + ox0) * CO);
                    step = 8;
                }
            }
        }
    }

    /** Positions a tile may store or read past the end of a plane's last row: the slack after it. */
    static final int TILE_SLACK = Math.max(R, 3);

    /**
     * {@code out[first + j outPlane + q] = sums[q CO + j] (+ bias[channel + j])} for the block's first
     * {@code channels} channels: blocks of 8 positions by one vector of channels through
     * {@link Transposition}, the positions and channels left over one float at a time.
     */
    static void toPlanes(float[] sums, int outPlane, int channels, float[] biasLanes, float[] bias, int channel,
                                 float[] out, int first) {
        int blocked = Transposition.FITS ? outPlane - outPlane % 8 : 0;
        int[] targets = TARGETS.get();
        int c0 = 0;
        for (; blocked > 0 && c0 + L <= channels; c0 += L) {
            for (int q0 = 0; q0 < blocked; q0 += 8) {
                for (int c = 0; c < L; c++) {
                    targets[c] = first + (c0 + c) * outPlane + q0;
                }
                Transposition.eightRows(sums, q0 * CO + c0, CO, out, targets, biasLanes, (channel + c0) * 8);
            }
        }
        for (int j = 0; j < channels; j++) {
            float b = bias == null ? 0f : bias[channel + j];
            int dst = first + j * outPlane;
            for (int q = j < c0 ? blocked : 0; q < outPlane; q++) { // channels past the blocks take every position
                out[dst + q] = sums[q * CO + j] + b;
            }
        }
    }

    /** Input gradient of a stride-1 convolution: the forward of the transposed convolution on dY. */
    static void backwardInput(ConvGeometry g, float[] gy, float[] w, float[] gx) {
        float[] flipped = TransposedConvolution.weights(g, w);
        forward(TransposedConvolution.geometry(g), gy, flipped, null, gx);
        HostArrayPool.give(flipped);
    }

    /** Images per chunk of the weight gradient: partial sums per chunk, added in chunk order. */
    private static final int WEIGHT_CHUNKS = 8;
    /** Taps per weight-gradient tile. */
    private static final int T = WEIGHT_TILE.rows();
    /**
     * Positions per weight-tile call: 64 until the tile is compiled as a method, 1024 after (each call
     * stores and reloads the tile's sums). The tile's sums carry over from call to call through memory.
     * One guard per tile method, since each is compiled on its own: with one shared count, the 3 x 3
     * tiles warmed it, and a ResNet-18's 7 x 7 stem then called the still interpreted general tile with
     * long calls, whose OSR version boxed its vectors (30 GB of allocation in one CCKD step).
     */
    static final WarmUpSegments ROW3_TILE_CALLS = new WarmUpSegments(64, 1024, 1 << 15);
    static final WarmUpSegments TILE3_CALLS = new WarmUpSegments(64, 1024, 1 << 15);
    static final WarmUpSegments SQUARE3_TILE_CALLS = new WarmUpSegments(64, 1024, 1 << 15);
    static final WarmUpSegments TAPS_TILE_CALLS = new WarmUpSegments(64, 1024, 1 << 15);
    static final WarmUpSegments ROW3_PAIR_TILE_CALLS = new WarmUpSegments(64, 1024, 1 << 15);

    /** The guards of all five weight tiles, for tests. */
    static java.util.List<WarmUpSegments> weightTileGuards() {
        return java.util.List.of(ROW3_TILE_CALLS, TILE3_CALLS, SQUARE3_TILE_CALLS, ROW3_PAIR_TILE_CALLS, TAPS_TILE_CALLS);
    }

    /**
     * Whether the one-row tile of 3 taps runs for two input channels at once ({@link #weightTileRow3Pair}):
     * where the weight tile is one kernel row (16 vector registers), its 6 accumulators are fewer than
     * the 8 chains that keep two multiply-add pipes of 4 cycles' latency busy, and each dY vector feeds
     * only 3 multiply-adds. Two channels make 12 accumulators; C2 keeps them, the 2 dY vectors and 2
     * broadcasts in exactly 16 registers (read in the generated code), since it broadcasts two taps at
     * a time.
     */
    static final boolean ROW3_PAIRS = T == 3 && VectorMachine.CURRENT.registers() >= 16;

    /**
     * Whether the weight gradient's paired tile reads shifted copies of the image
     * ({@link #weightTileShifted}): kernels 3 wide at stride 1, dilation 1. The plan's row for channel
     * tiles asks the same.
     */
    static boolean readsShiftedCopies(ConvGeometry g) {
        return g.kernelW() == 3 && g.strideH() == 1 && g.strideW() == 1 && g.dilationH() == 1 && g.dilationW() == 1;
    }

    /**
     * The weight gradient with vectors across output channels:
     * {@code dW[o][c, ky, kx] = sum over images and positions q of dY[o][q] x[c][tap(q, ky, kx)]}. The
     * tile is 2 vectors of output channels by 9 taps of one input channel, held in registers over all
     * positions of a chunk of images (dY transposed to positions x channels, x zero-padded), so each
     * position costs 2 vector loads and 9 broadcasts for 18 multiply-adds (at 16 vector registers: one
     * kernel row of two input channels, 6 broadcasts for 12, {@link #ROW3_PAIRS}; at stride 1 these read
     * shifted copies of the image, {@link #weightTileShifted}). Images are split into a fixed number of
     * chunks whatever the thread count, and chunks are added in order.
     */
    static void backwardWeight(ConvGeometry g, float[] x, float[] gy, float[] gw, float[] gb) {
        int og = g.groupOutChannels();
        int cg = g.groupInChannels();
        int kk = g.kernelH() * g.kernelW();
        int k = cg * kk;
        int blocks = (og + CO - 1) / CO;
        int ogPad = blocks * CO;
        int hp = g.inH() + 2 * g.padH();
        int wp = g.inW() + 2 * g.padW();
        int plane = hp * wp;
        int oh = g.outH();
        int ow = g.outW();
        int positions = oh * ow;
        int inPlane = g.inH() * g.inW();
        int imageStride = cg * plane;
        int groups = (kk + T - 1) / T;
        int[] tapOff = new int[groups * T];
        for (int t = 0; t < groups * T; t++) {
            int tap = Math.min(t, kk - 1); // slots past the kernel repeat its last tap and are not stored
            tapOff[t] = (tap / g.kernelW()) * g.dilationH() * wp + (tap % g.kernelW()) * g.dilationW();
        }
        boolean square3 = T == 9 && g.kernelH() == 3 && g.kernelW() == 3 && g.dilationH() == 1 && g.dilationW() == 1;
        // Tiles of 3 taps on a kernel 3 wide, dilation 1: each tile is one kernel row, 3 neighbouring floats.
        boolean row3 = T == 3 && g.kernelW() == 3 && g.dilationW() == 1;
        WarmUpSegments guard = row3 ? ROW3_TILE_CALLS : T == 3 ? TILE3_CALLS : square3 ? SQUARE3_TILE_CALLS
                : TAPS_TILE_CALLS; // the guard of the tile method the branches below call
        boolean pairs = row3 && ROW3_PAIRS;
        // At stride 1 the pairs read shifted copies of the image ({@link ZeroPadding#copyShifted}),
        // where a tap's value lies at one offset from every position of an image.
        boolean shifted = pairs && readsShiftedCopies(g);
        int shiftPlane = hp * ow; // one channel of one shifted copy
        int shiftImage = g.kernelW() * cg * shiftPlane;
        int chunks = Math.min(WEIGHT_CHUNKS, g.batch());
        // A chunk's sums, taps-major ([group][c, tap][output channel, padded to whole tiles]), so that a
        // tile's rows go out as vectors: in dW's own layout each tile wrote 16 or 32 rows of dW one float at
        // a time. Every entry is written by exactly one tile, so the buffer is reused without clearing.
        int columns = g.groups() * k * ogPad;
        float[] partial = Scratch.atLeast(PARTIALS.get(), 0, chunks * columns);
        // One flat loop over a chunk's positions (rows of a small plane are too short to be loops): the
        // offset of each position's first tap in the chunk's padded images, the same for every chunk (the
        // shifted copies need none).
        int[] at = new int[shifted ? 0 : ((g.batch() + chunks - 1) / chunks) * positions];
        for (int q = 0; q < at.length; q++) {
            int i = q / positions;
            int oy = q % positions / ow;
            int ox = q % ow;
            at[q] = i * imageStride + oy * g.strideH() * wp + ox * g.strideW();
        }
        dev.panagrad.engine.backend.Parallel.Range body = (c0, c1) -> {
            float[][] buf = WEIGHT_BUFFERS.get();
            float[] tile = Scratch.atLeast(buf, 2, 2 * T * CO); // room for a pair of channels' tiles
            for (int chunk = c0; chunk < c1; chunk++) {
                int from = (int) ((long) g.batch() * chunk / chunks);
                int to = (int) ((long) g.batch() * (chunk + 1) / chunks);
                int images = to - from;
                int padded = shifted ? images * shiftImage + L // room for copyShifted's last vector
                        : images * imageStride + R * g.strideW() + g.kernelW() * g.dilationW() + wp;
                float[] xpad = Scratch.atLeast(buf, 0, padded);
                // zeros past the last image: reads of the last positions' taps may reach there
                java.util.Arrays.fill(xpad, shifted ? images * shiftImage : images * imageStride, padded, 0f);
                // dY transposed, block by block: [block][image, position][CO channels], so that a tile streams
                // through contiguous memory (with all channels in each row, it read one row in every 4 to 8).
                // Lanes of channels past og hold stale values; they only reach tile lanes that are not stored.
                int count = images * positions;
                int blockStride = count * CO;
                float[] gyt = Scratch.atLeast(buf, 1, blocks * blockStride);
                for (int grp = 0; grp < g.groups(); grp++) {
                    for (int i = 0; i < images; i++) {
                        int n = from + i;
                        if (shifted) {
                            ZeroPadding.copyShifted(x, (n * g.inChannels() + grp * cg) * inPlane, cg, g.inH(),
                                    g.inW(), g.padH(), g.padW(), g.kernelW(), xpad, i * shiftImage);
                        } else {
                            pad(g, x, (n * g.inChannels() + grp * cg) * inPlane, xpad, i * imageStride,
                                    (i + 1) * imageStride);
                        }
                        toBlocks(gy, (n * g.outChannels() + grp * og) * positions, og, positions, gyt,
                                i * positions * CO, blockStride);
                    }
                    int wBase = chunk * columns + grp * k * ogPad;
                    for (int block = 0; block < blocks; block++) {
                        for (int c = 0; shifted && c < cg; c += 2) { // a last odd channel pairs with itself
                            for (int ky = 0; ky < g.kernelH(); ky++) {
                                int xOff = c * shiftPlane + ky * ow;
                                int next = c + 1 < cg ? shiftPlane : 0;
                                for (int i = 0; i < images; i++) { // one image a call: C2 spilled sums of a loop over images
                                    weightTileShifted(i == 0, xpad, xOff + i * shiftImage, next, cg * shiftPlane, gyt,
                                            block * blockStride + i * positions * CO, positions, tile);
                                }
                                ROW3_PAIR_TILE_CALLS.ran(count);
                                int first = wBase + (c * kk + ky * 3) * ogPad + block * CO;
                                storeRows(tile, 0, 3, partial, first, ogPad);
                                if (c + 1 < cg) { // channel c + 1: tile rows 3-5, kk rows of the sums further down
                                    storeRows(tile, 3, 3, partial, first + kk * ogPad, ogPad);
                                }
                            }
                        }
                        for (int c = 0; !shifted && c < cg; c += pairs && c + 1 < cg ? 2 : 1) {
                            boolean pair = pairs && c + 1 < cg;
                            WarmUpSegments calls = pair ? ROW3_PAIR_TILE_CALLS : guard;
                            for (int tg = 0; tg < groups; tg++) {
                                int segment = calls.length();
                                for (int q0 = 0; q0 < count; q0 += segment) {
                                    int q1 = Math.min(count, q0 + segment);
                                    if (pair) {
                                        weightTileRow3Pair(q0, q1, q0 == 0, at, c * plane + tapOff[tg * T], plane, gyt,
                                                block * blockStride, CO, xpad, tile);
                                    } else if (row3) {
                                        weightTileRow3(q0, q1, q0 == 0, at, c * plane + tapOff[tg * T], gyt, block * blockStride,
                                                CO, xpad, tile);
                                    } else if (T == 3) {
                                        weightTile3(q0, q1, q0 == 0, at, c * plane, gyt, block * blockStride, CO, xpad, tapOff,
                                                tg * T, tile);
                                    } else if (square3) {
                                        weightTile3x3(q0, q1, q0 == 0, at, c * plane, gyt, block * blockStride, CO, xpad, wp,
                                                tile);
                                    } else {
                                        weightTile(q0, q1, q0 == 0, at, c * plane, gyt, block * blockStride, CO, xpad, tapOff,
                                                tg * T, tile);
                                    }
                                }
                                calls.ran(count);
                                int taps = Math.min(T, kk - tg * T);
                                int first = wBase + (c * kk + tg * T) * ogPad + block * CO;
                                storeRows(tile, 0, taps, partial, first, ogPad);
                                if (pair) { // channel c + 1: tile rows from T on, kk rows of the sums further down
                                    storeRows(tile, T, taps, partial, first + kk * ogPad, ogPad);
                                }
                            }
                        }
                    }
                }
            }
        };
        if (chunks > 1) {
            dev.panagrad.engine.backend.Parallel.forEach(chunks, body);
        } else {
            body.run(0, 1);
        }
        float[] sums = Scratch.atLeast(PARTIALS.get(), 1, columns);
        SimdConvolution.sumChunks(partial, chunks, columns, sums);
        for (int grp = 0; grp < g.groups(); grp++) {
            for (int o = 0; o < og; o++) {
                int dst = (grp * og + o) * k;
                int src = grp * k * ogPad + o;
                for (int t = 0; t < k; t++) {
                    gw[dst + t] = sums[src + t * ogPad];
                }
            }
        }
        if (gb != null) {
            for (int o = 0; o < g.outChannels(); o++) {
                float sum = 0f;
                for (int n = 0; n < g.batch(); n++) {
                    sum += SimdReductions.contiguous(dev.panagrad.engine.backend.ReduceOp.SUM, gy,
                            (n * g.outChannels() + o) * positions, positions);
                }
                gb[o] = sum;
            }
        }
    }

    /**
     * One image's dY planes ({@code channels} of {@code positions}, from {@code gy[src..]}) into the
     * blocked channels-last layout: channel o at position q goes to {@code gyt[(o / CO) blockStride + at +
     * q CO + o % CO]}. Blocks of 8 channels (within one block of CO) by one vector of positions through
     * {@link Transposition}; the channels and positions left over one float at a time.
     */
    private static void toBlocks(float[] gy, int src, int channels, int positions, float[] gyt, int at, int blockStride) {
        int blocked = Transposition.FITS ? positions - positions % L : 0;
        int[] targets = TARGETS.get();
        int o0 = 0;
        for (; blocked > 0 && o0 + 8 <= channels; o0 += 8) {
            int dst = (o0 / CO) * blockStride + at + o0 % CO;
            for (int q0 = 0; q0 < blocked; q0 += L) {
                for (int p = 0; p < L; p++) {
                    targets[p] = dst + (q0 + p) * CO;
                }
                Transposition.eightRows(gy, src + o0 * positions + q0, positions, gyt, targets, null, 0);
            }
        }
        for (int o = 0; o < channels; o++) {
            int dst = (o / CO) * blockStride + at + o % CO;
            for (int q = o < o0 ? blocked : 0; q < positions; q++) { // channels past the blocks take every position
                gyt[dst + q * CO] = gy[src + o * positions + q];
            }
        }
    }

    /** Tile rows {@code from} to {@code from + rows - 1}, two vectors each, into rows {@code stride} floats apart. */
    private static void storeRows(float[] tile, int from, int rows, float[] sums, int at, int stride) {
        for (int t = 0; t < rows; t++) {
            FloatVector.fromArray(S, tile, (from + t) * CO).intoArray(sums, at + t * stride);
            FloatVector.fromArray(S, tile, (from + t) * CO + L).intoArray(sums, at + t * stride + L);
        }
    }

    /**
     * tile[t][j] = sum over the chunk's positions q (all images) of gyt[o0 + q gyStep + j] xpad[image, c,
     * tap t0 + t at q], for 2 vectors of channels and 9 taps. Written out: see {@link #micro8}.
     */
    private static void weightTile(int q0, int q1, boolean first, int[] at, int cOff, float[] gyt, int o0, int gyStep, float[] xp,
                                   int[] tapOff, int t0, float[] tile) {
        FloatVector a00 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 0 * CO);
        FloatVector a01 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 0 * CO + L);
        FloatVector a10 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 1 * CO);
        FloatVector a11 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 1 * CO + L);
        FloatVector a20 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 2 * CO);
        FloatVector a21 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 2 * CO + L);
        FloatVector a30 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 3 * CO);
        FloatVector a31 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 3 * CO + L);
        FloatVector a40 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 4 * CO);
        FloatVector a41 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 4 * CO + L);
        FloatVector a50 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 5 * CO);
        FloatVector a51 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 5 * CO + L);
        FloatVector a60 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 6 * CO);
        FloatVector a61 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 6 * CO + L);
        FloatVector a70 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 7 * CO);
        FloatVector a71 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 7 * CO + L);
        FloatVector a80 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 8 * CO);
        FloatVector a81 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 8 * CO + L);
        int d0 = tapOff[t0];
        int d1 = tapOff[t0 + 1];
        int d2 = tapOff[t0 + 2];
        int d3 = tapOff[t0 + 3];
        int d4 = tapOff[t0 + 4];
        int d5 = tapOff[t0 + 5];
        int d6 = tapOff[t0 + 6];
        int d7 = tapOff[t0 + 7];
        int d8 = tapOff[t0 + 8];
        for (int q = q0, gi = o0 + q0 * gyStep; q < q1; q++, gi += gyStep) {
            int xi = cOff + at[q];
            FloatVector g0 = FloatVector.fromArray(S, gyt, gi);
            FloatVector g1 = FloatVector.fromArray(S, gyt, gi + L);
            FloatVector v = FloatVector.broadcast(S, xp[xi + d0]);
            a00 = v.fma(g0, a00);
            a01 = v.fma(g1, a01);
            v = FloatVector.broadcast(S, xp[xi + d1]);
            a10 = v.fma(g0, a10);
            a11 = v.fma(g1, a11);
            v = FloatVector.broadcast(S, xp[xi + d2]);
            a20 = v.fma(g0, a20);
            a21 = v.fma(g1, a21);
            v = FloatVector.broadcast(S, xp[xi + d3]);
            a30 = v.fma(g0, a30);
            a31 = v.fma(g1, a31);
            v = FloatVector.broadcast(S, xp[xi + d4]);
            a40 = v.fma(g0, a40);
            a41 = v.fma(g1, a41);
            v = FloatVector.broadcast(S, xp[xi + d5]);
            a50 = v.fma(g0, a50);
            a51 = v.fma(g1, a51);
            v = FloatVector.broadcast(S, xp[xi + d6]);
            a60 = v.fma(g0, a60);
            a61 = v.fma(g1, a61);
            v = FloatVector.broadcast(S, xp[xi + d7]);
            a70 = v.fma(g0, a70);
            a71 = v.fma(g1, a71);
            v = FloatVector.broadcast(S, xp[xi + d8]);
            a80 = v.fma(g0, a80);
            a81 = v.fma(g1, a81);
        }
        a00.intoArray(tile, 0);
        a01.intoArray(tile, L);
        a10.intoArray(tile, CO);
        a11.intoArray(tile, CO + L);
        a20.intoArray(tile, 2 * CO);
        a21.intoArray(tile, 2 * CO + L);
        a30.intoArray(tile, 3 * CO);
        a31.intoArray(tile, 3 * CO + L);
        a40.intoArray(tile, 4 * CO);
        a41.intoArray(tile, 4 * CO + L);
        a50.intoArray(tile, 5 * CO);
        a51.intoArray(tile, 5 * CO + L);
        a60.intoArray(tile, 6 * CO);
        a61.intoArray(tile, 6 * CO + L);
        a70.intoArray(tile, 7 * CO);
        a71.intoArray(tile, 7 * CO + L);
        a80.intoArray(tile, 8 * CO);
        a81.intoArray(tile, 8 * CO + L);
    }

    /**
     * {@link #weightTile} for the 9 taps of a 3 x 3 kernel, dilation 1: offsets from three row starts, so
     * the JIT checks array bounds once per row rather than once per tap.
     */
    private static void weightTile3x3(int q0, int q1, boolean first, int[] at, int cOff, float[] gyt, int o0, int gyStep, float[] xp,
                                      int wp, float[] tile) {
        FloatVector a00 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 0 * CO);
        FloatVector a01 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 0 * CO + L);
        FloatVector a10 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 1 * CO);
        FloatVector a11 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 1 * CO + L);
        FloatVector a20 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 2 * CO);
        FloatVector a21 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 2 * CO + L);
        FloatVector a30 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 3 * CO);
        FloatVector a31 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 3 * CO + L);
        FloatVector a40 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 4 * CO);
        FloatVector a41 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 4 * CO + L);
        FloatVector a50 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 5 * CO);
        FloatVector a51 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 5 * CO + L);
        FloatVector a60 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 6 * CO);
        FloatVector a61 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 6 * CO + L);
        FloatVector a70 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 7 * CO);
        FloatVector a71 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 7 * CO + L);
        FloatVector a80 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 8 * CO);
        FloatVector a81 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 8 * CO + L);
        for (int q = q0, gi = o0 + q0 * gyStep; q < q1; q++, gi += gyStep) {
            int xi = cOff + at[q];
            int xj = xi + wp;
            int xk = xj + wp;
            FloatVector g0 = FloatVector.fromArray(S, gyt, gi);
            FloatVector g1 = FloatVector.fromArray(S, gyt, gi + L);
            FloatVector v = FloatVector.broadcast(S, xp[xi]);
            a00 = v.fma(g0, a00);
            a01 = v.fma(g1, a01);
            v = FloatVector.broadcast(S, xp[xi + 1]);
            a10 = v.fma(g0, a10);
            a11 = v.fma(g1, a11);
            v = FloatVector.broadcast(S, xp[xi + 2]);
            a20 = v.fma(g0, a20);
            a21 = v.fma(g1, a21);
            v = FloatVector.broadcast(S, xp[xj]);
            a30 = v.fma(g0, a30);
            a31 = v.fma(g1, a31);
            v = FloatVector.broadcast(S, xp[xj + 1]);
            a40 = v.fma(g0, a40);
            a41 = v.fma(g1, a41);
            v = FloatVector.broadcast(S, xp[xj + 2]);
            a50 = v.fma(g0, a50);
            a51 = v.fma(g1, a51);
            v = FloatVector.broadcast(S, xp[xk]);
            a60 = v.fma(g0, a60);
            a61 = v.fma(g1, a61);
            v = FloatVector.broadcast(S, xp[xk + 1]);
            a70 = v.fma(g0, a70);
            a71 = v.fma(g1, a71);
            v = FloatVector.broadcast(S, xp[xk + 2]);
            a80 = v.fma(g0, a80);
            a81 = v.fma(g1, a81);
        }
        a00.intoArray(tile, 0);
        a01.intoArray(tile, L);
        a10.intoArray(tile, CO);
        a11.intoArray(tile, CO + L);
        a20.intoArray(tile, 2 * CO);
        a21.intoArray(tile, 2 * CO + L);
        a30.intoArray(tile, 3 * CO);
        a31.intoArray(tile, 3 * CO + L);
        a40.intoArray(tile, 4 * CO);
        a41.intoArray(tile, 4 * CO + L);
        a50.intoArray(tile, 5 * CO);
        a51.intoArray(tile, 5 * CO + L);
        a60.intoArray(tile, 6 * CO);
        a61.intoArray(tile, 6 * CO + L);
        a70.intoArray(tile, 7 * CO);
        a71.intoArray(tile, 7 * CO + L);
        a80.intoArray(tile, 8 * CO);
        a81.intoArray(tile, 8 * CO + L);
    }

    /** The group's input planes from {@code x[xOff..]}, zero-padded, at {@code xpad[at..]}; zeros from there to {@code end}. */
    private static void pad(ConvGeometry g, float[] x, int xOff, float[] xpad, int at, int end) {
        ZeroPadding.copy(x, xOff, g.groupInChannels(), g.inH(), g.inW(), g.padH(), g.padW(), xpad, at);
        int past = at + g.groupInChannels() * (g.inH() + 2 * g.padH()) * (g.inW() + 2 * g.padW());
        java.util.Arrays.fill(xpad, past, end, 0f);
    }

    /**
     * The two-row tile ({@link #ROW_PAIRS}): tile[r][j] for r < 3 as in {@link #micro4}, and tile[3 + r][j]
     * the same {@code rowStep} floats further (the next output row). Each output is the same dot product,
     * in the same order, as in {@link #micro4}, so the tiles give the same bits.
     */
    static void micro2x3(int runs, int run, float[] wp, int wOff, float[] xp, int[] tapOff, int base, int colStep,
                         int rowStep, float[] sums, int at, int nextAt) {
        FloatVector a00 = FloatVector.zero(S), a01 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S), a11 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S), a21 = FloatVector.zero(S);
        FloatVector b00 = FloatVector.zero(S), b01 = FloatVector.zero(S);
        FloatVector b10 = FloatVector.zero(S), b11 = FloatVector.zero(S);
        FloatVector b20 = FloatVector.zero(S), b21 = FloatVector.zero(S);
        for (int t = 0, wt = wOff; t < runs; t++, wt += run * CO) {
            // run t under each position: neighbouring floats from x0, x1, ...
            int x0 = base + tapOff[t];
            int x1 = x0 + colStep;
            int x2 = x1 + colStep;
            int y0 = x0 + rowStep; // the next output row
            int y1 = y0 + colStep;
            int y2 = y1 + colStep;
            for (int c = 0; c < run; c++) {
                int wi = wt + c * CO;
                FloatVector w0 = FloatVector.fromArray(S, wp, wi);
                FloatVector w1 = FloatVector.fromArray(S, wp, wi + L);
                FloatVector v = FloatVector.broadcast(S, xp[x0 + c]);
                a00 = v.fma(w0, a00);
                a01 = v.fma(w1, a01);
                v = FloatVector.broadcast(S, xp[x1 + c]);
                a10 = v.fma(w0, a10);
                a11 = v.fma(w1, a11);
                v = FloatVector.broadcast(S, xp[x2 + c]);
                a20 = v.fma(w0, a20);
                a21 = v.fma(w1, a21);
                v = FloatVector.broadcast(S, xp[y0 + c]);
                b00 = v.fma(w0, b00);
                b01 = v.fma(w1, b01);
                v = FloatVector.broadcast(S, xp[y1 + c]);
                b10 = v.fma(w0, b10);
                b11 = v.fma(w1, b11);
                v = FloatVector.broadcast(S, xp[y2 + c]);
                b20 = v.fma(w0, b20);
                b21 = v.fma(w1, b21);
            }
        }
        a00.intoArray(sums, at);
        a01.intoArray(sums, at + L);
        a10.intoArray(sums, at + CO);
        a11.intoArray(sums, at + CO + L);
        a20.intoArray(sums, at + 2 * CO);
        a21.intoArray(sums, at + 2 * CO + L);
        b00.intoArray(sums, nextAt);
        b01.intoArray(sums, nextAt + L);
        b10.intoArray(sums, nextAt + CO);
        b11.intoArray(sums, nextAt + CO + L);
        b20.intoArray(sums, nextAt + 2 * CO);
        b21.intoArray(sums, nextAt + 2 * CO + L);
    }



    /** {@link #micro2x3} for 2 columns, at a row's end: tile rows 0-1 the first output row, 2-3 the next. */
    static void micro2x2(int runs, int run, float[] wp, int wOff, float[] xp, int[] tapOff, int base, int colStep,
                         int rowStep, float[] sums, int at, int nextAt) {
        FloatVector a00 = FloatVector.zero(S), a01 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S), a11 = FloatVector.zero(S);
        FloatVector b00 = FloatVector.zero(S), b01 = FloatVector.zero(S);
        FloatVector b10 = FloatVector.zero(S), b11 = FloatVector.zero(S);
        for (int t = 0, wt = wOff; t < runs; t++, wt += run * CO) {
            // run t under each position: neighbouring floats from x0, x1, ...
            int x0 = base + tapOff[t];
            int x1 = x0 + colStep;
            int y0 = x0 + rowStep; // the next output row
            int y1 = y0 + colStep;
            for (int c = 0; c < run; c++) {
                int wi = wt + c * CO;
                FloatVector w0 = FloatVector.fromArray(S, wp, wi);
                FloatVector w1 = FloatVector.fromArray(S, wp, wi + L);
                FloatVector v = FloatVector.broadcast(S, xp[x0 + c]);
                a00 = v.fma(w0, a00);
                a01 = v.fma(w1, a01);
                v = FloatVector.broadcast(S, xp[x1 + c]);
                a10 = v.fma(w0, a10);
                a11 = v.fma(w1, a11);
                v = FloatVector.broadcast(S, xp[y0 + c]);
                b00 = v.fma(w0, b00);
                b01 = v.fma(w1, b01);
                v = FloatVector.broadcast(S, xp[y1 + c]);
                b10 = v.fma(w0, b10);
                b11 = v.fma(w1, b11);
            }
        }
        a00.intoArray(sums, at);
        a01.intoArray(sums, at + L);
        a10.intoArray(sums, at + CO);
        a11.intoArray(sums, at + CO + L);
        b00.intoArray(sums, nextAt);
        b01.intoArray(sums, nextAt + L);
        b10.intoArray(sums, nextAt + CO);
        b11.intoArray(sums, nextAt + CO + L);
    }


    /**
     * The forward tile for 32 vector registers, 8 positions by 2 vectors of output channels: tile[r][j] =
     * sum over runs t and their floats c of w[t][c][j] xpad[base + tapOff[t] + r colStep + c], where a run
     * is a kernel row's taps and input channels (or one tap's channels), neighbouring floats in the
     * channels-last image and in the packed weights. The innermost loop runs along a run, so its reads'
     * bounds are checked once per run, where with an offset table per multiply-add step each step paid its
     * checks. Written out in full: an array of vectors or a helper that C2 declines to inline would box them.
     */
    private static void micro8(int runs, int run, float[] wp, int wOff, float[] xp, int[] tapOff, int base, int colStep,
                       float[] sums, int at) {
        FloatVector a00 = FloatVector.zero(S), a01 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S), a11 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S), a21 = FloatVector.zero(S);
        FloatVector a30 = FloatVector.zero(S), a31 = FloatVector.zero(S);
        FloatVector a40 = FloatVector.zero(S), a41 = FloatVector.zero(S);
        FloatVector a50 = FloatVector.zero(S), a51 = FloatVector.zero(S);
        FloatVector a60 = FloatVector.zero(S), a61 = FloatVector.zero(S);
        FloatVector a70 = FloatVector.zero(S), a71 = FloatVector.zero(S);
        for (int t = 0, wt = wOff; t < runs; t++, wt += run * CO) {
            // run t under each position: neighbouring floats from x0, x1, ...
            int x0 = base + tapOff[t];
            int x1 = x0 + colStep;
            int x2 = x1 + colStep;
            int x3 = x2 + colStep;
            int x4 = x3 + colStep;
            int x5 = x4 + colStep;
            int x6 = x5 + colStep;
            int x7 = x6 + colStep;
            for (int c = 0; c < run; c++) {
                int wi = wt + c * CO;
                FloatVector w0 = FloatVector.fromArray(S, wp, wi);
                FloatVector w1 = FloatVector.fromArray(S, wp, wi + L);
                FloatVector v = FloatVector.broadcast(S, xp[x0 + c]);
                a00 = v.fma(w0, a00);
                a01 = v.fma(w1, a01);
                v = FloatVector.broadcast(S, xp[x1 + c]);
                a10 = v.fma(w0, a10);
                a11 = v.fma(w1, a11);
                v = FloatVector.broadcast(S, xp[x2 + c]);
                a20 = v.fma(w0, a20);
                a21 = v.fma(w1, a21);
                v = FloatVector.broadcast(S, xp[x3 + c]);
                a30 = v.fma(w0, a30);
                a31 = v.fma(w1, a31);
                v = FloatVector.broadcast(S, xp[x4 + c]);
                a40 = v.fma(w0, a40);
                a41 = v.fma(w1, a41);
                v = FloatVector.broadcast(S, xp[x5 + c]);
                a50 = v.fma(w0, a50);
                a51 = v.fma(w1, a51);
                v = FloatVector.broadcast(S, xp[x6 + c]);
                a60 = v.fma(w0, a60);
                a61 = v.fma(w1, a61);
                v = FloatVector.broadcast(S, xp[x7 + c]);
                a70 = v.fma(w0, a70);
                a71 = v.fma(w1, a71);
            }
        }
        a00.intoArray(sums, at);
        a01.intoArray(sums, at + L);
        a10.intoArray(sums, at + CO);
        a11.intoArray(sums, at + CO + L);
        a20.intoArray(sums, at + 2 * CO);
        a21.intoArray(sums, at + 2 * CO + L);
        a30.intoArray(sums, at + 3 * CO);
        a31.intoArray(sums, at + 3 * CO + L);
        a40.intoArray(sums, at + 4 * CO);
        a41.intoArray(sums, at + 4 * CO + L);
        a50.intoArray(sums, at + 5 * CO);
        a51.intoArray(sums, at + 5 * CO + L);
        a60.intoArray(sums, at + 6 * CO);
        a61.intoArray(sums, at + 6 * CO + L);
        a70.intoArray(sums, at + 7 * CO);
        a71.intoArray(sums, at + 7 * CO + L);
    }



    /**
     * {@link #weightTile3} for the 3 taps of one kernel row, dilation 1: the 3 reads are neighbouring
     * floats, so C2 checks their bounds once per position rather than once per tap (with the offsets as
     * variables, the checks took as many instructions as the multiply-adds).
     */
    static void weightTileRow3(int q0, int q1, boolean first, int[] at, int rowOff, float[] gyt, int o0,
                                       int gyStep, float[] xp, float[] tile) {
        FloatVector a00 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 0);
        FloatVector a01 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, L);
        FloatVector a10 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, CO);
        FloatVector a11 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, CO + L);
        FloatVector a20 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 2 * CO);
        FloatVector a21 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 2 * CO + L);
        for (int q = q0, gi = o0 + q0 * gyStep; q < q1; q++, gi += gyStep) {
            int xi = rowOff + at[q];
            FloatVector g0 = FloatVector.fromArray(S, gyt, gi);
            FloatVector g1 = FloatVector.fromArray(S, gyt, gi + L);
            FloatVector v = FloatVector.broadcast(S, xp[xi]);
            a00 = v.fma(g0, a00);
            a01 = v.fma(g1, a01);
            v = FloatVector.broadcast(S, xp[xi + 1]);
            a10 = v.fma(g0, a10);
            a11 = v.fma(g1, a11);
            v = FloatVector.broadcast(S, xp[xi + 2]);
            a20 = v.fma(g0, a20);
            a21 = v.fma(g1, a21);
        }
        a00.intoArray(tile, 0);
        a01.intoArray(tile, L);
        a10.intoArray(tile, CO);
        a11.intoArray(tile, CO + L);
        a20.intoArray(tile, 2 * CO);
        a21.intoArray(tile, 2 * CO + L);
    }

    /**
     * {@link #weightTileRow3} for input channels c and c + 1 at once ({@link #ROW3_PAIRS}): the same kernel
     * row of both, the second one {@code plane} floats further. Tile rows 0-2 are channel c's taps, rows
     * 3-5 channel c + 1's. Each sum runs over the positions in the same order as in the one-channel
     * tile, so the two give the same bits.
     */
    static void weightTileRow3Pair(int q0, int q1, boolean first, int[] at, int rowOff, int plane, float[] gyt,
                                   int o0, int gyStep, float[] xp, float[] tile) {
        FloatVector a00 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 0);
        FloatVector a01 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, L);
        FloatVector a10 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, CO);
        FloatVector a11 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, CO + L);
        FloatVector a20 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 2 * CO);
        FloatVector a21 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 2 * CO + L);
        FloatVector b00 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 3 * CO);
        FloatVector b01 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 3 * CO + L);
        FloatVector b10 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 4 * CO);
        FloatVector b11 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 4 * CO + L);
        FloatVector b20 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 5 * CO);
        FloatVector b21 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 5 * CO + L);
        for (int q = q0, gi = o0 + q0 * gyStep; q < q1; q++, gi += gyStep) {
            int xi = rowOff + at[q];
            FloatVector g0 = FloatVector.fromArray(S, gyt, gi);
            FloatVector g1 = FloatVector.fromArray(S, gyt, gi + L);
            FloatVector v = FloatVector.broadcast(S, xp[xi]);
            a00 = v.fma(g0, a00);
            a01 = v.fma(g1, a01);
            v = FloatVector.broadcast(S, xp[xi + 1]);
            a10 = v.fma(g0, a10);
            a11 = v.fma(g1, a11);
            v = FloatVector.broadcast(S, xp[xi + 2]);
            a20 = v.fma(g0, a20);
            a21 = v.fma(g1, a21);
            int yi = xi + plane; // channel c + 1
            v = FloatVector.broadcast(S, xp[yi]);
            b00 = v.fma(g0, b00);
            b01 = v.fma(g1, b01);
            v = FloatVector.broadcast(S, xp[yi + 1]);
            b10 = v.fma(g0, b10);
            b11 = v.fma(g1, b11);
            v = FloatVector.broadcast(S, xp[yi + 2]);
            b20 = v.fma(g0, b20);
            b21 = v.fma(g1, b21);
        }
        a00.intoArray(tile, 0);
        a01.intoArray(tile, L);
        a10.intoArray(tile, CO);
        a11.intoArray(tile, CO + L);
        a20.intoArray(tile, 2 * CO);
        a21.intoArray(tile, 2 * CO + L);
        b00.intoArray(tile, 3 * CO);
        b01.intoArray(tile, 3 * CO + L);
        b10.intoArray(tile, 4 * CO);
        b11.intoArray(tile, 4 * CO + L);
        b20.intoArray(tile, 5 * CO);
        b21.intoArray(tile, 5 * CO + L);
    }

    /**
     * {@link #weightTileRow3Pair} on shifted copies ({@link ZeroPadding#copyShifted}): images {@code i0}
     * to {@code i1 - 1}, all their positions. The value under tap (ky, kx) of channel c at position q of
     * image i is {@code xs[xOff + i imageStride + kx copyStride + q]}, channel c + 1's {@code next}
     * further, so every read is a fixed offset from q and C2 checks its bounds once per image, not once
     * per position. The sums run over the positions in the same order as in the other tiles.
     */
    static void weightTileShifted(boolean first, float[] xs, int xOff, int next, int copyStride, float[] gyt, int gi,
                                  int positions, float[] tile) {
        FloatVector a00 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 0);
        FloatVector a01 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, L);
        FloatVector a10 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, CO);
        FloatVector a11 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, CO + L);
        FloatVector a20 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 2 * CO);
        FloatVector a21 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 2 * CO + L);
        FloatVector b00 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 3 * CO);
        FloatVector b01 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 3 * CO + L);
        FloatVector b10 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 4 * CO);
        FloatVector b11 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 4 * CO + L);
        FloatVector b20 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 5 * CO);
        FloatVector b21 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 5 * CO + L);
        int x0 = xOff; // kx = 0
        int x1 = x0 + copyStride;
        int x2 = x1 + copyStride;
        int y0 = x0 + next; // channel c + 1
        int y1 = x1 + next;
        int y2 = x2 + next;
        for (int q = 0; q < positions; q++) {
            FloatVector g0 = FloatVector.fromArray(S, gyt, gi + q * CO);
            FloatVector g1 = FloatVector.fromArray(S, gyt, gi + q * CO + L);
            FloatVector v = FloatVector.broadcast(S, xs[x0 + q]);
            a00 = v.fma(g0, a00);
            a01 = v.fma(g1, a01);
            v = FloatVector.broadcast(S, xs[x1 + q]);
            a10 = v.fma(g0, a10);
            a11 = v.fma(g1, a11);
            v = FloatVector.broadcast(S, xs[x2 + q]);
            a20 = v.fma(g0, a20);
            a21 = v.fma(g1, a21);
            v = FloatVector.broadcast(S, xs[y0 + q]);
            b00 = v.fma(g0, b00);
            b01 = v.fma(g1, b01);
            v = FloatVector.broadcast(S, xs[y1 + q]);
            b10 = v.fma(g0, b10);
            b11 = v.fma(g1, b11);
            v = FloatVector.broadcast(S, xs[y2 + q]);
            b20 = v.fma(g0, b20);
            b21 = v.fma(g1, b21);
        }
        a00.intoArray(tile, 0);
        a01.intoArray(tile, L);
        a10.intoArray(tile, CO);
        a11.intoArray(tile, CO + L);
        a20.intoArray(tile, 2 * CO);
        a21.intoArray(tile, 2 * CO + L);
        b00.intoArray(tile, 3 * CO);
        b01.intoArray(tile, 3 * CO + L);
        b10.intoArray(tile, 4 * CO);
        b11.intoArray(tile, 4 * CO + L);
        b20.intoArray(tile, 5 * CO);
        b21.intoArray(tile, 5 * CO + L);
    }

    /**
     * {@link #weightTile} for 3 taps, the tile for 16 vector registers: 6 accumulators, 2 vector loads
     * and 3 broadcasts a position.
     */
    private static void weightTile3(int q0, int q1, boolean first, int[] at, int cOff, float[] gyt, int o0, int gyStep,
                                    float[] xp, int[] tapOff, int t0, float[] tile) {
        FloatVector a00 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 0);
        FloatVector a01 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, L);
        FloatVector a10 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, CO);
        FloatVector a11 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, CO + L);
        FloatVector a20 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 2 * CO);
        FloatVector a21 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 2 * CO + L);
        int d0 = tapOff[t0];
        int d1 = tapOff[t0 + 1];
        int d2 = tapOff[t0 + 2];
        for (int q = q0, gi = o0 + q0 * gyStep; q < q1; q++, gi += gyStep) {
            int xi = cOff + at[q];
            FloatVector g0 = FloatVector.fromArray(S, gyt, gi);
            FloatVector g1 = FloatVector.fromArray(S, gyt, gi + L);
            FloatVector v = FloatVector.broadcast(S, xp[xi + d0]);
            a00 = v.fma(g0, a00);
            a01 = v.fma(g1, a01);
            v = FloatVector.broadcast(S, xp[xi + d1]);
            a10 = v.fma(g0, a10);
            a11 = v.fma(g1, a11);
            v = FloatVector.broadcast(S, xp[xi + d2]);
            a20 = v.fma(g0, a20);
            a21 = v.fma(g1, a21);
        }
        a00.intoArray(tile, 0);
        a01.intoArray(tile, L);
        a10.intoArray(tile, CO);
        a11.intoArray(tile, CO + L);
        a20.intoArray(tile, 2 * CO);
        a21.intoArray(tile, 2 * CO + L);
    }

    /** {@link #micro8} for 16 vector registers: 4 positions by 2 vectors of channels. */
    static void micro4(int runs, int run, float[] wp, int wOff, float[] xp, int[] tapOff, int base, int colStep,
                       float[] sums, int at) {
        FloatVector a00 = FloatVector.zero(S), a01 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S), a11 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S), a21 = FloatVector.zero(S);
        FloatVector a30 = FloatVector.zero(S), a31 = FloatVector.zero(S);
        for (int t = 0, wt = wOff; t < runs; t++, wt += run * CO) {
            // run t under each position: neighbouring floats from x0, x1, ...
            int x0 = base + tapOff[t];
            int x1 = x0 + colStep;
            int x2 = x1 + colStep;
            int x3 = x2 + colStep;
            for (int c = 0; c < run; c++) {
                int wi = wt + c * CO;
                FloatVector w0 = FloatVector.fromArray(S, wp, wi);
                FloatVector w1 = FloatVector.fromArray(S, wp, wi + L);
                FloatVector v = FloatVector.broadcast(S, xp[x0 + c]);
                a00 = v.fma(w0, a00);
                a01 = v.fma(w1, a01);
                v = FloatVector.broadcast(S, xp[x1 + c]);
                a10 = v.fma(w0, a10);
                a11 = v.fma(w1, a11);
                v = FloatVector.broadcast(S, xp[x2 + c]);
                a20 = v.fma(w0, a20);
                a21 = v.fma(w1, a21);
                v = FloatVector.broadcast(S, xp[x3 + c]);
                a30 = v.fma(w0, a30);
                a31 = v.fma(w1, a31);
            }
        }
        a00.intoArray(sums, at);
        a01.intoArray(sums, at + L);
        a10.intoArray(sums, at + CO);
        a11.intoArray(sums, at + CO + L);
        a20.intoArray(sums, at + 2 * CO);
        a21.intoArray(sums, at + 2 * CO + L);
        a30.intoArray(sums, at + 3 * CO);
        a31.intoArray(sums, at + 3 * CO + L);
    }
}
