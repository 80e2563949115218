package dev.panagrad.engine.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.panagrad.engine.Rng;
import dev.panagrad.engine.backend.scalar.ScalarBackend;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The differential contract every backend's kernels meet: each kernel against the {@code scalar}
 * oracle, at sizes that leave vector tails and work-group remainders (odd lengths, one less and one
 * more than a power of two) and sizes large enough to run in parallel chunks. A backend's test extends
 * this class and says which backend it tests and how far from the oracle rounding may take it.
 */
public abstract class BackendKernelContract {
    private static final int[] LENGTHS = {0, 1, 3, 7, 15, 16, 17, 31, 33, 63, 65, 100, 1001, 70_003};
    private final Backend tested = backend();
    private final Backend scalar = new ScalarBackend();
    private final Rng rng = new Rng(2024);

    /** The backend under test. */
    protected abstract Backend backend();

    /**
     * The smallest relative tolerance the backend is held to, even where the oracle's arithmetic can be
     * reproduced exactly (a device compiler may fuse multiply-adds or round division differently).
     */
    protected double toleranceFloor() {
        return 0;
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unaryMapsMatchTheOracle(UnaryOp op) {
        float p = op == UnaryOp.CLAMP ? -0.5f : op == UnaryOp.POW ? 2f : 1.5f;
        float q = op == UnaryOp.CLAMP ? 0.75f : -0.25f;
        for (int n : LENGTHS) {
            float[] x = inputs(op, n);
            assertClose(op + " n=" + n, unary(tested, op, p, q, x), unary(scalar, op, p, q, x), 2e-6);
        }
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unaryDerivativesMatchTheOracle(UnaryOp op) {
        float p = op == UnaryOp.CLAMP ? -0.5f : 1.5f;
        float q = op == UnaryOp.CLAMP ? 0.75f : -0.25f;
        for (int n : LENGTHS) {
            float[] x = inputs(op, n);
            float[] y = unary(scalar, op, p, q, x);
            float[] gy = normal(n);
            assertClose(op + "' n=" + n, unaryBackward(tested, op, p, q, x, y, gy),
                    unaryBackward(scalar, op, p, q, x, y, gy), 2e-6);
        }
    }

    @ParameterizedTest
    @ValueSourceOfPowers
    void powHasExactAndGeneralPaths(float exponent) {
        float[] x = positive(1001);
        assertClose("pow " + exponent, unary(tested, UnaryOp.POW, exponent, 0, x), unary(scalar, UnaryOp.POW, exponent, 0, x), 2e-6);
        float[] y = unary(scalar, UnaryOp.POW, exponent, 0, x);
        float[] gy = normal(1001);
        assertClose("pow' " + exponent, unaryBackward(tested, UnaryOp.POW, exponent, 0, x, y, gy),
                unaryBackward(scalar, UnaryOp.POW, exponent, 0, x, y, gy), 2e-6);
    }

    static Stream<Arguments> broadcastCases() {
        return Stream.of(
                Arguments.of(new int[] {7, 13}, new int[] {7, 13}),
                Arguments.of(new int[] {7, 13}, new int[] {13}),
                Arguments.of(new int[] {7, 1}, new int[] {1, 13}),
                Arguments.of(new int[] {3, 1, 5}, new int[] {4, 1}),
                Arguments.of(new int[] {}, new int[] {33}),
                Arguments.of(new int[] {65}, new int[] {}),
                Arguments.of(new int[] {2, 3, 33}, new int[] {3, 1}),
                Arguments.of(new int[] {5, 16, 9, 9}, new int[] {1, 16, 1, 1}),
                Arguments.of(new int[] {300, 301}, new int[] {301}),
                Arguments.of(new int[] {70_003}, new int[] {70_003}));
    }

    @ParameterizedTest
    @MethodSource("broadcastCases")
    void binaryOpsMatchTheOracleUnderBroadcasting(int[] aDims, int[] bDims) {
        int[] shape = broadcast(aDims, bDims);
        float[] a = normal(numel(aDims));
        float[] b = normal(numel(bDims));
        // Make some elements equal so that comparisons see ties.
        for (int i = 0; i < Math.min(a.length, b.length); i += 3) {
            a[i] = b[i];
        }
        for (BinaryOp op : BinaryOp.values()) {
            float[] expected = binary(scalar, op, shape, a, aDims, b, bDims);
            float[] actual = binary(tested, op, shape, a, aDims, b, bDims);
            assertClose(op + " " + Arrays.toString(aDims) + " " + Arrays.toString(bDims), actual, expected, 1e-7);
        }
    }

    @ParameterizedTest
    @MethodSource("broadcastCases")
    void selectMatchesTheOracle(int[] aDims, int[] bDims) {
        int[] shape = broadcast(aDims, bDims);
        float[] cond = new float[numel(shape)];
        for (int i = 0; i < cond.length; i++) {
            cond[i] = rng.nextFloat() < 0.5f ? 0f : 1f;
        }
        float[] a = normal(numel(aDims));
        float[] b = normal(numel(bDims));
        float[][] out = new float[2][];
        Backend[] backends = {tested, scalar};
        for (int k = 0; k < 2; k++) {
            Storage o = new Storage(cond.length);
            backends[k].select(shape, Storage.wrap(cond), strides(shape, shape), Storage.wrap(a), strides(aDims, shape),
                    Storage.wrap(b), strides(bDims, shape), o);
            out[k] = o.array();
        }
        assertClose("select", out[0], out[1], 0);
    }

    @Test
    void axpyMatchesTheOracle() {
        for (int n : LENGTHS) {
            float[] x = normal(n);
            float[] y = normal(n);
            Storage ys = Storage.wrap(y.clone());
            Storage yr = Storage.wrap(y.clone());
            tested.axpy(n, 0.7f, Storage.wrap(x), ys);
            scalar.axpy(n, 0.7f, Storage.wrap(x), yr);
            assertClose("axpy n=" + n, ys.array(), yr.array(), 3e-7);
        }
    }

    static Stream<Arguments> reduceShapes() {
        return Stream.of(
                Arguments.of(1, 1, 1), Arguments.of(1, 17, 1), Arguments.of(5, 33, 1), Arguments.of(3, 7, 5),
                Arguments.of(2, 9, 65), Arguments.of(1, 100_001, 1), Arguments.of(4, 40_000, 1),
                Arguments.of(64, 16, 1024), Arguments.of(1, 64, 7_001), Arguments.of(3, 0, 4));
    }

    @ParameterizedTest
    @MethodSource("reduceShapes")
    void reductionsMatchTheOracle(int outer, int size, int inner) {
        float[] x = normal(outer * size * inner);
        for (ReduceOp op : ReduceOp.values()) {
            float[][] out = new float[2][];
            Backend[] backends = {tested, scalar};
            for (int k = 0; k < 2; k++) {
                Storage o = new Storage(outer * inner);
                backends[k].reduce(op, Storage.wrap(x), outer, size, inner, o);
                out[k] = o.array();
            }
            double tol = op == ReduceOp.SUM ? 1e-6 * Math.max(1, size) : 0;
            assertClose(op + " [" + outer + ", " + size + ", " + inner + "]", out[0], out[1], tol);
        }
    }

    static Stream<Arguments> gemmShapes() {
        return Stream.of(
                Arguments.of(1, 1, 1), Arguments.of(7, 13, 5), Arguments.of(6, 32, 17), Arguments.of(13, 31, 1),
                Arguments.of(1, 100, 300), Arguments.of(67, 45, 300), Arguments.of(130, 1100, 9),
                Arguments.of(1000, 9, 20), Arguments.of(129, 131, 257), Arguments.of(0, 5, 5), Arguments.of(5, 5, 0),
                // long k with few outputs (split k on devices), and k not a multiple of any tile
                Arguments.of(7, 13, 5003), Arguments.of(33, 70, 2049));
    }

    @ParameterizedTest
    @MethodSource("gemmShapes")
    void gemmMatchesTheOracleForEveryTransposeAndScale(int m, int n, int k) {
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                for (float[] ab : new float[][] {{1f, 0f}, {2f, 1f}, {-0.5f, 0.25f}}) {
                    checkGemm(ta, tb, m, n, k, ab[0], ab[1]);
                }
            }
        }
    }

    @Test
    void gemmWithTallCAndALargeBMatchesTheOracle() {
        // C split by rows across threads that share each packed panel of B: two column panels, two k-blocks,
        // rows that end mid-sliver, and beta scaling on the first block.
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                checkGemm(ta, tb, 211, 1060, 1030, -0.5f, 0.25f);
            }
        }
    }

    @Test
    void gemmWithBetaZeroIgnoresNaNInTheOutput() {
        float[] a = normal(9 * 11);
        float[] b = normal(11 * 37);
        float[] c = new float[9 * 37];
        Arrays.fill(c, Float.NaN);
        Storage cs = Storage.wrap(c);
        tested.gemm(false, false, 9, 37, 11, 1f, Storage.wrap(a), 0, 11, Storage.wrap(b), 0, 37, 0f, cs, 0, 37);
        assertThat(cs.array()).doesNotContain(Float.NaN);
    }

    @Test
    void gemmReadsAndWritesSubmatricesWithLeadingDimensionsAndOffsets() {
        // A is rows 2..8 x cols 1..12 of a 10 x 15 matrix; B and C are interior blocks too.
        int m = 7;
        int n = 19;
        int k = 12;
        float[] a = normal(10 * 15);
        float[] b = normal(14 * 25);
        float[] c = normal(9 * 30);
        Storage cs = Storage.wrap(c.clone());
        Storage cr = Storage.wrap(c.clone());
        tested.gemm(false, false, m, n, k, 1f, Storage.wrap(a), 2 * 15 + 1, 15, Storage.wrap(b), 25 + 3, 25, 1f, cs, 30 + 2, 30);
        scalar.gemm(false, false, m, n, k, 1f, Storage.wrap(a), 2 * 15 + 1, 15, Storage.wrap(b), 25 + 3, 25, 1f, cr, 30 + 2, 30);
        assertClose("submatrix gemm", cs.array(), cr.array(), 1e-5);
    }

    @Test
    void batchedGemmWithSharedAndPerItemOperands() {
        int batch = 5;
        int m = 9;
        int n = 21;
        int k = 14;
        float[] a = normal(m * k);
        float[] b = normal(batch * k * n);
        float[][] out = new float[2][];
        Backend[] backends = {tested, scalar};
        for (int i = 0; i < 2; i++) {
            Storage c = new Storage(batch * m * n);
            backends[i].gemmBatched(batch, false, true, m, n, k, 1f, Storage.wrap(a), 0, 0, k,
                    Storage.wrap(b), 0, k * n, k, 0f, c, 0, m * n, n);
            out[i] = c.array();
        }
        assertClose("batched gemm", out[0], out[1], 1e-5);
    }

    static Stream<Arguments> softmaxShapes() {
        return Stream.of(Arguments.of(1, 1, 1), Arguments.of(3, 17, 1), Arguments.of(64, 100, 1),
                Arguments.of(2, 1001, 1), Arguments.of(3, 5, 7), Arguments.of(2, 33, 4));
    }

    @ParameterizedTest
    @MethodSource("softmaxShapes")
    void softmaxAndItsBackwardMatchTheOracle(int outer, int size, int inner) {
        int total = outer * size * inner;
        float[] x = normal(total);
        for (int i = 0; i < x.length; i++) {
            x[i] *= 5f;
        }
        float[] gy = normal(total);
        for (boolean log : new boolean[] {false, true}) {
            float[][] y = new float[2][];
            float[][] gx = new float[2][];
            Backend[] backends = {tested, scalar};
            for (int k = 0; k < 2; k++) {
                Storage ys = new Storage(total);
                backends[k].softmax(Storage.wrap(x), ys, outer, size, inner, log);
                y[k] = ys.array();
            }
            // Both backward passes start from the oracle's forward output.
            for (int k = 0; k < 2; k++) {
                Storage g = new Storage(total);
                backends[k].softmaxBackward(Storage.wrap(y[1]), Storage.wrap(gy), g, outer, size, inner, log);
                gx[k] = g.array();
            }
            assertClose("softmax log=" + log, y[0], y[1], 2e-6);
            assertClose("softmax' log=" + log, gx[0], gx[1], 2e-5);
        }
    }

    @Test
    void stridedCopiesMatchTheOracle() {
        float[] src = normal(4 * 5 * 6 + 1);
        int[][][] cases = {
            // shape, src strides, dst strides
            {{4, 5, 6}, {30, 6, 1}, {30, 6, 1}},
            {{6, 5, 4}, {1, 6, 30}, {20, 4, 1}},
            {{3, 5, 6}, {30, 6, 1}, {30, 6, 1}},
            {{4, 5, 6}, {0, 1, 0}, {30, 6, 1}},
            {{4, 2, 6}, {30, 12, 1}, {12, 6, 1}},
            {{2, 5, 3}, {30, 6, 2}, {15, 3, 1}},
        };
        for (int[][] c : cases) {
            float[][] out = new float[2][];
            Backend[] backends = {tested, scalar};
            for (int k = 0; k < 2; k++) {
                Storage d = new Storage(numel(c[0]) + 3);
                backends[k].stridedCopy(c[0], Storage.wrap(src), 1, c[1], d, 3, c[2]);
                out[k] = d.array();
            }
            assertClose("strided copy " + Arrays.deepToString(c), out[0], out[1], 0);
        }
    }

    @Test
    void fillAndCopyMatchTheOracle() {
        float[] src = normal(70);
        for (Backend be : new Backend[] {tested, scalar}) {
            Storage d = new Storage(70);
            be.fill(d, 3, 50, 2.5f);
            be.copy(Storage.wrap(src), 10, d, 60, 10);
            float[] expected = new float[70];
            Arrays.fill(expected, 3, 53, 2.5f);
            System.arraycopy(src, 10, expected, 60, 10);
            assertThat(d.array()).as(be.name()).containsExactly(expected);
        }
    }

    @Test
    void indexingKernelsMatchTheOracle() {
        float[] x = normal(3 * 7 * 5);
        int[] index = {6, 0, 6, 2};
        int[] gatherIndex = new int[3 * 4 * 5];
        for (int i = 0; i < gatherIndex.length; i++) {
            gatherIndex[i] = rng.nextInt(7);
        }
        float[][] results = new float[2][];
        Backend[] backends = {tested, scalar};
        for (int k = 0; k < 2; k++) {
            Storage sel = new Storage(3 * 4 * 5);
            backends[k].indexSelect(Storage.wrap(x), 3, 7, 5, index, sel);
            Storage back = new Storage(3 * 7 * 5);
            backends[k].indexAdd(sel, 3, 7, 5, index, back);
            Storage gathered = new Storage(3 * 4 * 5);
            backends[k].gather(new int[] {3, 4, 5}, 1, gatherIndex, Storage.wrap(x), new int[] {35, 5, 1}, gathered);
            Storage scattered = new Storage(3 * 7 * 5);
            backends[k].scatterAdd(new int[] {3, 4, 5}, 1, gatherIndex, gathered, scattered, new int[] {35, 5, 1});
            results[k] = concat(sel.array(), back.array(), gathered.array(), scattered.array());
        }
        assertClose("indexing", results[0], results[1], 0);
    }

    static Stream<ConvGeometry> convolutions() {
        return Stream.of(
                new ConvGeometry(3, 4, 9, 7, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                new ConvGeometry(2, 6, 8, 8, 4, 3, 3, 2, 2, 1, 1, 1, 1, 2),
                new ConvGeometry(2, 4, 10, 9, 4, 3, 3, 1, 1, 2, 2, 2, 2, 4),
                new ConvGeometry(3, 5, 6, 5, 7, 1, 1, 1, 1, 0, 0, 1, 1, 1),
                new ConvGeometry(2, 3, 11, 11, 5, 5, 5, 3, 3, 2, 2, 1, 1, 1),
                new ConvGeometry(1, 8, 16, 16, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                new ConvGeometry(17, 3, 5, 6, 2, 3, 2, 2, 1, 0, 1, 1, 1, 1),
                new ConvGeometry(2, 16, 8, 8, 32, 1, 1, 2, 2, 0, 0, 1, 1, 1),
                // small planes: one GEMM over the whole batch for the weight gradient
                new ConvGeometry(5, 6, 7, 7, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                new ConvGeometry(4, 8, 8, 8, 12, 3, 3, 1, 1, 1, 1, 1, 1, 2),
                // vectors across output channels: strided, small planes, rows that end mid-tile, groups
                new ConvGeometry(3, 5, 11, 13, 37, 3, 3, 2, 2, 1, 1, 1, 1, 1),
                new ConvGeometry(2, 34, 9, 7, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                new ConvGeometry(2, 64, 6, 6, 64, 3, 3, 1, 1, 1, 1, 1, 1, 2),
                new ConvGeometry(2, 6, 10, 9, 40, 3, 2, 2, 3, 2, 1, 2, 1, 1),
                new ConvGeometry(3, 3, 12, 11, 33, 5, 5, 2, 2, 2, 2, 1, 1, 1),
                // rows of whole tiles (a channel's positions moved in one gather) then a partial tile, two
                // channel blocks, stride 1 (also the input gradient) and stride 2
                new ConvGeometry(2, 33, 9, 9, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                new ConvGeometry(2, 8, 16, 18, 36, 3, 3, 2, 2, 1, 1, 1, 1, 1),
                // stride 2 on rows long enough for the shuffled phase split at every width, odd and even padding
                new ConvGeometry(2, 3, 5, 70, 33, 3, 3, 2, 2, 1, 1, 1, 1, 1),
                new ConvGeometry(2, 3, 6, 67, 34, 3, 3, 2, 2, 2, 2, 1, 1, 1));
    }

    @ParameterizedTest
    @MethodSource("convolutions")
    void convolutionAndItsGradientsMatchTheDirectLoops(ConvGeometry g) {
        float[] x = normal(g.batch() * g.inChannels() * g.inH() * g.inW());
        float[] w = normal(g.outChannels() * g.patchSize());
        float[] bias = normal(g.outChannels());
        int outSize = g.batch() * g.outChannels() * g.outH() * g.outW();
        float[] gy = normal(outSize);
        double tol = 2e-6 * g.patchSize();
        for (boolean withBias : new boolean[] {true, false}) {
            float[][] out = new float[2][];
            float[][] gx = new float[2][];
            float[][] gw = new float[2][];
            float[][] gb = new float[2][];
            Backend[] backends = {tested, scalar};
            for (int k = 0; k < 2; k++) {
                Storage o = new Storage(outSize);
                backends[k].conv2d(g, Storage.wrap(x), Storage.wrap(w), withBias ? Storage.wrap(bias) : null, o);
                out[k] = o.array();
                Storage dx = Storage.wrap(normal(x.length)); // overwritten, whatever it held
                backends[k].conv2dBackwardInput(g, Storage.wrap(gy), Storage.wrap(w), dx);
                gx[k] = dx.array();
                Storage dw = Storage.wrap(normal(w.length));
                Storage db = withBias ? Storage.wrap(normal(bias.length)) : null;
                backends[k].conv2dBackwardWeight(g, Storage.wrap(x), Storage.wrap(gy), dw, db);
                gw[k] = dw.array();
                gb[k] = withBias ? db.array() : new float[0];
            }
            assertClose("conv2d " + g, out[0], out[1], tol);
            assertClose("conv2d dx " + g, gx[0], gx[1], 2e-6 * g.outChannels() * g.kernelH() * g.kernelW());
            assertClose("conv2d dw " + g, gw[0], gw[1], 2e-6 * g.batch() * g.outH() * g.outW());
            assertClose("conv2d db " + g, gb[0], gb[1], 2e-6 * g.batch() * g.outH() * g.outW());
        }
    }

    static Stream<PoolGeometry> poolings() {
        return Stream.of(
                new PoolGeometry(2, 3, 7, 6, 3, 3, 2, 2, 1, 1),
                new PoolGeometry(1, 2, 8, 8, 2, 2, 2, 2, 0, 0),
                new PoolGeometry(3, 5, 9, 11, 2, 3, 1, 2, 1, 1),
                new PoolGeometry(64, 16, 32, 32, 3, 3, 2, 2, 1, 1));
    }

    @ParameterizedTest
    @MethodSource("poolings")
    void poolingAndItsGradientsMatchTheOracle(PoolGeometry g) {
        float[] x = normal(g.planes() * g.inH() * g.inW());
        int outSize = g.planes() * g.outH() * g.outW();
        float[] gy = normal(outSize);
        float[][] results = new float[2][];
        Backend[] backends = {tested, scalar};
        for (int k = 0; k < 2; k++) {
            Storage max = new Storage(outSize);
            Storage avg = new Storage(outSize);
            Storage gMax = Storage.wrap(normal(x.length));
            Storage gAvg = Storage.wrap(normal(x.length));
            backends[k].maxPool2d(g, Storage.wrap(x), max);
            backends[k].avgPool2d(g, Storage.wrap(x), avg);
            backends[k].maxPool2dBackward(g, Storage.wrap(x), Storage.wrap(gy), gMax);
            backends[k].avgPool2dBackward(g, Storage.wrap(gy), gAvg);
            Storage adaptive = new Storage(g.planes() * 3 * 5);
            Storage gAdaptive = Storage.wrap(normal(x.length));
            backends[k].adaptiveAvgPool2d(g.planes(), g.inH(), g.inW(), 3, 5, Storage.wrap(x), adaptive);
            backends[k].adaptiveAvgPool2dBackward(g.planes(), g.inH(), g.inW(), 3, 5,
                    Storage.wrap(Arrays.copyOf(gy, g.planes() * 15)), gAdaptive);
            results[k] = concat(max.array(), avg.array(), gMax.array(), gAvg.array(), adaptive.array(), gAdaptive.array());
        }
        assertClose("pooling " + g, results[0], results[1], 0);
    }

    static Stream<Arguments> batchNormShapes() {
        return Stream.of(Arguments.of(4, 3, 1), Arguments.of(2, 5, 7), Arguments.of(3, 4, 33), Arguments.of(64, 16, 1024),
                Arguments.of(64, 100, 1),
                // 83 = 4 vectors, 1 vector and 3 scalars: every loop of the unrolled channel sums
                Arguments.of(3, 2, 83));
    }

    @ParameterizedTest
    @MethodSource("batchNormShapes")
    void batchNormKernelsMatchTheOracle(int batch, int channels, int spatial) {
        float[] x = normal(batch * channels * spatial);
        for (int i = 0; i < x.length; i++) {
            x[i] = 3f + 2f * x[i];
        }
        float[] gy = normal(x.length);
        float[] scale = normal(channels);
        float[] shift = normal(channels);
        float[] gamma = normal(channels);
        float[] m = normal(channels);
        float[] invStd = new float[channels];
        for (int c = 0; c < channels; c++) {
            invStd[c] = 1f / (float) Math.sqrt(2f + c);
        }
        float[][] results = new float[2][];
        Backend[] backends = {tested, scalar};
        for (int k = 0; k < 2; k++) {
            Storage mean = new Storage(channels);
            Storage var = new Storage(channels);
            backends[k].batchNormStatistics(Storage.wrap(x), batch, channels, spatial, mean, var);
            Storage y = new Storage(x.length);
            backends[k].channelAffine(Storage.wrap(x), batch, channels, spatial, Storage.wrap(scale), Storage.wrap(shift), y);
            float[] parts = concat(mean.array(), var.array(), y.array());
            for (boolean training : new boolean[] {true, false}) {
                Storage gx = new Storage(x.length);
                Storage gg = new Storage(channels);
                Storage gbeta = new Storage(channels);
                backends[k].batchNormBackward(Storage.wrap(x), Storage.wrap(gy), batch, channels, spatial,
                        Storage.wrap(m), Storage.wrap(invStd), Storage.wrap(gamma), training, gx, gg, gbeta);
                parts = concat(parts, gx.array(), gg.array(), gbeta.array());
            }
            results[k] = parts;
        }
        assertClose("batch norm [" + batch + ", " + channels + ", " + spatial + "]", results[0], results[1],
                2e-6 * Math.sqrt(batch * spatial) * 10);
    }

    // ---- helpers ----------------------------------------------------------------------------------

    @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
    @org.junit.jupiter.params.provider.ValueSource(floats = {0f, 1f, 2f, 0.5f, 3f, -1f, -0.7f})
    @interface ValueSourceOfPowers {
    }

    private void checkGemm(boolean ta, boolean tb, int m, int n, int k, float alpha, float beta) {
        float[] a = normal(m * k);
        float[] b = normal(k * n);
        float[] c = normal(m * n);
        Storage cs = Storage.wrap(c.clone());
        Storage cr = Storage.wrap(c.clone());
        int lda = ta ? m : k;
        int ldb = tb ? k : n;
        tested.gemm(ta, tb, m, n, k, alpha, Storage.wrap(a), 0, lda, Storage.wrap(b), 0, ldb, beta, cs, 0, n);
        scalar.gemm(ta, tb, m, n, k, alpha, Storage.wrap(a), 0, lda, Storage.wrap(b), 0, ldb, beta, cr, 0, n);
        assertClose(String.format("gemm ta=%s tb=%s %dx%dx%d alpha=%s beta=%s", ta, tb, m, n, k, alpha, beta),
                cs.array(), cr.array(), 2e-6 * Math.max(1, k));
    }

    private float[] inputs(UnaryOp op, int n) {
        return switch (op) {
            case LOG, SQRT, POW -> positive(n);
            default -> {
                float[] x = normal(n);
                for (int i = 0; i < n; i++) {
                    x[i] *= 3f;
                }
                if (n > 4) {
                    x[1] = 0f;
                    x[2] = -0.5f; // the clamp bound
                }
                yield x;
            }
        };
    }

    private float[] normal(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        return x;
    }

    private float[] positive(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = 0.05f + 4f * rng.nextFloat();
        }
        return x;
    }

    private static float[] unary(Backend be, UnaryOp op, float p, float q, float[] x) {
        Storage y = new Storage(x.length);
        be.unary(op, p, q, Storage.wrap(x), y, x.length);
        return y.array();
    }

    private static float[] unaryBackward(Backend be, UnaryOp op, float p, float q, float[] x, float[] y, float[] gy) {
        Storage gx = new Storage(x.length);
        be.unaryBackward(op, p, q, Storage.wrap(x), Storage.wrap(y), Storage.wrap(gy), gx, x.length);
        return gx.array();
    }

    private static float[] binary(Backend be, BinaryOp op, int[] shape, float[] a, int[] aDims, float[] b, int[] bDims) {
        Storage out = new Storage(numel(shape));
        be.binary(op, shape, Storage.wrap(a), strides(aDims, shape), Storage.wrap(b), strides(bDims, shape), out);
        return out.array();
    }

    private static int[] strides(int[] dims, int[] target) {
        return dev.panagrad.engine.Shape.of(dims).broadcastStrides(dev.panagrad.engine.Shape.of(target));
    }

    private static int[] broadcast(int[] a, int[] b) {
        return dev.panagrad.engine.Shape.broadcast("test", dev.panagrad.engine.Shape.of(a), dev.panagrad.engine.Shape.of(b)).dims();
    }

    private static int numel(int[] dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        return n;
    }

    private static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) {
            n += p.length;
        }
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** Element-wise |actual - expected| <= tol * max(1, |expected|), with NaN matching NaN. */
    private void assertClose(String what, float[] actual, float[] expected, double requested) {
        double tol = Math.max(requested, toleranceFloor());
        assertThat(actual.length).as(what).isEqualTo(expected.length);
        for (int i = 0; i < actual.length; i++) {
            float a = actual[i];
            float e = expected[i];
            if (Float.isNaN(e) || Float.isInfinite(e)) {
                assertThat(a).as("%s at %d", what, i).isEqualTo(e);
                continue;
            }
            double bound = tol * Math.max(1, Math.abs(e));
            if (!(Math.abs(a - e) <= bound)) {
                throw new AssertionError(what + ": element " + i + " is " + a + ", oracle " + e + " (tolerance " + bound + ")");
            }
        }
    }
}
