package dev.panagrad.engine.backend.contract;

import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Shape;
import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.backend.BinaryOp;
import dev.panagrad.engine.backend.ConvGeometry;
import dev.panagrad.engine.backend.PoolGeometry;
import dev.panagrad.engine.backend.ReduceOp;
import dev.panagrad.engine.backend.Storage;
import dev.panagrad.engine.backend.UnaryOp;
import dev.panagrad.engine.backend.scalar.ScalarBackend;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The differential contract every backend's kernels meet: each kernel against the {@code scalar}
 * oracle, at sizes that leave vector tails and work-group remainders (odd lengths, one less and one
 * more than a power of two) and sizes large enough to run in parallel chunks.
 *
 * <p>Plain code, no test framework, so that it runs wherever the engine runs: the unit tests turn each
 * {@link Case} into a test of its own, and a benchmark run on a GPU checks the device's kernels with
 * {@link #runAll(PrintStream)} before it times them. A failed check throws {@link AssertionError} with
 * the kernel, the shapes and the first element that disagrees.
 *
 * <p>Tolerances are relative, {@code |actual - expected| <= tol * max(1, |expected|)}, and grow with the
 * length of each sum (k for a matrix product, the patch for a convolution): any summation order a backend
 * chooses stays inside them. {@code toleranceFloor} lifts every tolerance for backends whose compiler may
 * fuse multiply-adds or round exp, log and pow differently.
 */
public final class KernelContract {
    private static final int[] LENGTHS = {0, 1, 3, 7, 15, 16, 17, 31, 33, 63, 65, 100, 1001, 70_003};
    private static final float[] POWERS = {0f, 1f, 2f, 0.5f, 3f, -1f, -0.7f};

    private final Backend tested;
    private final double toleranceFloor;
    private final Backend scalar = new ScalarBackend();
    private final Rng rng = new Rng(2024);

    /** One named check of one kernel family; {@link #check()} throws {@link AssertionError} on a mismatch. */
    public record Case(String name, Runnable check) {
    }

    /** The contract for {@code tested}, with every tolerance at least {@code toleranceFloor}. */
    public KernelContract(Backend tested, double toleranceFloor) {
        this.tested = tested;
        this.toleranceFloor = toleranceFloor;
    }

    /** Every check, in a fixed order (the inputs come from one seeded generator, so the order matters). */
    public List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (UnaryOp op : UnaryOp.values()) {
            cases.add(new Case("unary " + op + " matches the oracle", () -> unaryMap(op)));
            cases.add(new Case("unary " + op + " derivative matches the oracle", () -> unaryDerivative(op)));
        }
        for (float exponent : POWERS) {
            cases.add(new Case("pow " + exponent + " has an exact or general path that matches the oracle",
                    () -> pow(exponent)));
        }
        for (int[][] dims : BROADCASTS) {
            String shapes = Arrays.toString(dims[0]) + " and " + Arrays.toString(dims[1]);
            cases.add(new Case("binary ops on " + shapes + " broadcast like the oracle", () -> binaryOps(dims[0], dims[1])));
            cases.add(new Case("select on " + shapes + " matches the oracle", () -> select(dims[0], dims[1])));
        }
        cases.add(new Case("axpy matches the oracle", this::axpy));
        cases.add(new Case("add + relu matches the oracle, in place and not", this::addRelu));
        cases.add(new Case("polynomial difference of degree 0 to 4 matches the oracle", this::polynomialDifference));
        cases.add(new Case("sgd step matches the oracle with and without momentum, first and later steps, Nesterov",
                this::sgdStep));
        cases.add(new Case("sgd steps on several tensors at once match the oracle", this::sgdSteps));
        for (int[] s : REDUCE_SHAPES) {
            cases.add(new Case("reductions of " + Arrays.toString(s) + " match the oracle", () -> reductions(s[0], s[1], s[2])));
        }
        for (int[] s : GEMM_SHAPES) {
            cases.add(new Case(String.format(Locale.ROOT, "gemm %d x %d x %d matches the oracle for every transpose and scale",
                    s[0], s[1], s[2]), () -> gemmEveryTransposeAndScale(s[0], s[1], s[2])));
        }
        cases.add(new Case("gemm with a tall C and a large B matches the oracle", this::gemmTallC));
        cases.add(new Case("gemm with beta 0 ignores NaN in the output", this::gemmBetaZeroIgnoresNaN));
        cases.add(new Case("gemm reads and writes submatrices at offsets and leading dimensions", this::gemmSubmatrices));
        cases.add(new Case("batched gemm with shared and per-item operands matches the oracle", this::gemmBatched));
        for (int[] s : SOFTMAX_SHAPES) {
            cases.add(new Case("softmax of " + Arrays.toString(s) + " and its backward match the oracle",
                    () -> softmax(s[0], s[1], s[2])));
        }
        cases.add(new Case("strided copies match the oracle", this::stridedCopies));
        cases.add(new Case("fill and copy write exactly their ranges", this::fillAndCopy));
        for (int[] s : INDEX_SHAPES) {
            cases.add(new Case("index select and index add on " + Arrays.toString(s) + " match the oracle",
                    () -> indexSelectAdd(s[0], s[1], s[2], s[3])));
        }
        for (int[] s : GATHER_SHAPES) {
            for (int dim = 0; dim < 3; dim++) {
                for (boolean transposed : new boolean[] {false, true}) {
                    int d = dim;
                    cases.add(new Case("gather and scatter add along dim " + dim + " of " + Arrays.toString(s)
                            + (transposed ? ", x transposed," : "") + " match the oracle",
                            () -> gatherScatter(s, d, transposed)));
                }
            }
        }
        for (ConvGeometry g : CONVOLUTIONS) {
            cases.add(new Case("convolution " + g + " and its gradients match the direct loops", () -> convolution(g)));
        }
        for (PoolGeometry g : POOLINGS) {
            cases.add(new Case("pooling " + g + " and its gradients match the oracle", () -> pooling(g)));
        }
        for (int[] s : BATCH_NORM_SHAPES) {
            cases.add(new Case("batch norm kernels on " + Arrays.toString(s) + " match the oracle",
                    () -> batchNorm(s[0], s[1], s[2])));
        }
        cases.add(new Case("batch norm's per-channel constants and running statistics match the oracle",
                this::batchNormChannels));
        return cases;
    }

    /**
     * Runs every case, one line each ({@code ok} or {@code FAIL} with the reason and the seconds taken),
     * then a count; returns the number of failures. A failure does not stop the others.
     */
    public int runAll(PrintStream out) {
        return run(out, name -> true, "");
    }

    /**
     * Runs the cases whose names {@code names} accepts, printing each verdict and a summary line that
     * names the backend and, unless empty, {@code label}; returns the number of failures.
     */
    public int run(PrintStream out, java.util.function.Predicate<String> names, String label) {
        int failures = 0;
        List<Case> chosen = cases().stream().filter(c -> names.test(c.name())).toList();
        long start = System.nanoTime();
        for (Case c : chosen) {
            long t = System.nanoTime();
            String verdict;
            try {
                c.check().run();
                verdict = "ok  ";
            } catch (AssertionError | RuntimeException e) {
                failures++;
                verdict = "FAIL";
                out.printf(Locale.ROOT, "  %s %s: %s%n", verdict, c.name(), e.getMessage());
                continue;
            }
            out.printf(Locale.ROOT, "  %s %s (%.2f s)%n", verdict, c.name(), (System.nanoTime() - t) / 1e9);
        }
        out.printf(Locale.ROOT, "kernel contract on %s%s: %d of %d cases pass (%.1f s)%n", tested.name(),
                label.isEmpty() ? "" : ", " + label, chosen.size() - failures, chosen.size(),
                (System.nanoTime() - start) / 1e9);
        return failures;
    }

    // ---- element-wise ------------------------------------------------------------------------------

    private void unaryMap(UnaryOp op) {
        float p = op == UnaryOp.CLAMP ? -0.5f : op == UnaryOp.POW ? 2f : 1.5f;
        float q = op == UnaryOp.CLAMP ? 0.75f : -0.25f;
        for (int n : LENGTHS) {
            float[] x = inputs(op, n);
            assertClose(op + " n=" + n, unary(tested, op, p, q, x), unary(scalar, op, p, q, x), 2e-6);
        }
    }

    private void unaryDerivative(UnaryOp op) {
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

    private void pow(float exponent) {
        float[] x = positive(1001);
        assertClose("pow " + exponent, unary(tested, UnaryOp.POW, exponent, 0, x), unary(scalar, UnaryOp.POW, exponent, 0, x), 2e-6);
        float[] y = unary(scalar, UnaryOp.POW, exponent, 0, x);
        float[] gy = normal(1001);
        assertClose("pow' " + exponent, unaryBackward(tested, UnaryOp.POW, exponent, 0, x, y, gy),
                unaryBackward(scalar, UnaryOp.POW, exponent, 0, x, y, gy), 2e-6);
    }

    private static final int[][][] BROADCASTS = {
        {{7, 13}, {7, 13}},
        {{7, 13}, {13}},
        {{7, 1}, {1, 13}},
        {{3, 1, 5}, {4, 1}},
        {{}, {33}},
        {{65}, {}},
        {{2, 3, 33}, {3, 1}},
        {{5, 16, 9, 9}, {1, 16, 1, 1}},
        {{300, 301}, {301}},
        {{70_003}, {70_003}},
    };

    private void binaryOps(int[] aDims, int[] bDims) {
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

    private void select(int[] aDims, int[] bDims) {
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

    private void axpy() {
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

    private void polynomialDifference() {
        // degree 0, the bilinear kernel, the default Gaussian-Taylor kernel (P = 2, gamma = 0.4), and degree 4
        float[][] polynomials = {{0.5f}, {0f, 1f}, {0.449329f, 0.359463f, 0.143785f}, {0.3f, -1.1f, 0.7f, 0.25f, -0.05f}};
        for (int n : LENGTHS) {
            float[] a = new float[n];
            float[] b = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = (float) (2 * rng.nextDouble() - 1);
                b[i] = i % 5 == 0 ? a[i] : (float) (2 * rng.nextDouble() - 1); // some exact ties: d = 0
            }
            for (float[] c : polynomials) {
                float[][] out = new float[4][];
                Backend[] backends = {tested, scalar};
                for (int k = 0; k < 2; k++) {
                    Storage squared = Storage.wrap(new float[n]);
                    Storage weighted = Storage.wrap(new float[n]);
                    backends[k].polynomialDifference(c, Storage.wrap(a), Storage.wrap(b), n, squared, weighted);
                    out[2 * k] = squared.array();
                    out[2 * k + 1] = weighted.array();
                }
                String what = "polynomial difference n=" + n + " c=" + Arrays.toString(c);
                assertClose(what + " squared", out[0], out[2], 1e-6);
                assertClose(what + " weighted", out[1], out[3], 1e-6);
            }
        }
    }

    private void sgdStep() {
        // plain; momentum on the first step; momentum with dampening; Nesterov; no weight decay
        float[][] settings = {{0.1f, 5e-4f, 0f, 0f, 0f}, {0.1f, 5e-4f, 0.9f, 0f, 0f}, {0.05f, 1e-3f, 0.9f, 0.1f, 0f},
            {0.1f, 5e-4f, 0.9f, 0f, 1f}, {0.2f, 0f, 0.5f, 0f, 0f}};
        for (int n : LENGTHS) {
            for (float[] s : settings) {
                boolean withMomentum = s[2] != 0f;
                boolean nesterov = s[4] != 0f;
                float[] p = normal(n);
                float[] g = normal(n);
                float[] b = normal(n);
                for (boolean first : new boolean[] {true, false}) {
                    float[][] out = new float[2][];
                    Backend[] backends = {tested, scalar};
                    for (int k = 0; k < 2; k++) {
                        Storage ps = Storage.wrap(p.clone());
                        Storage bs = withMomentum ? Storage.wrap(b.clone()) : null;
                        backends[k].sgdStep(n, ps, Storage.wrap(g), bs, first, s[0], s[1], s[2], s[3], nesterov);
                        out[k] = concat(ps.array(), withMomentum ? bs.array() : new float[0]);
                    }
                    assertClose("sgd step n=" + n + " " + Arrays.toString(s) + " first=" + first, out[0], out[1], 3e-7);
                }
            }
        }
    }

    /** Tensors of different lengths (one empty), some on their first step, in every setting of {@link #sgdStep}. */
    private void sgdSteps() {
        int[] counts = {5, 0, 1, 300, 17, 1031};
        boolean[] first = {true, false, false, true, false, false};
        float[][] settings = {{0.1f, 5e-4f, 0f, 0f, 0f}, {0.05f, 1e-3f, 0.9f, 0.1f, 0f}, {0.1f, 5e-4f, 0.9f, 0f, 1f}};
        for (float[] s : settings) {
            boolean withMomentum = s[2] != 0f;
            float[][] p = new float[counts.length][];
            float[][] g = new float[counts.length][];
            float[][] b = new float[counts.length][];
            for (int t = 0; t < counts.length; t++) {
                p[t] = normal(counts[t]);
                g[t] = normal(counts[t]);
                b[t] = normal(counts[t]);
            }
            float[][] out = new float[2][];
            Backend[] backends = {tested, scalar};
            for (int k = 0; k < 2; k++) {
                Storage[] ps = new Storage[counts.length];
                Storage[] gs = new Storage[counts.length];
                Storage[] bs = withMomentum ? new Storage[counts.length] : null;
                for (int t = 0; t < counts.length; t++) {
                    ps[t] = Storage.wrap(p[t].clone());
                    gs[t] = Storage.wrap(g[t]);
                    if (bs != null) {
                        bs[t] = Storage.wrap(b[t].clone());
                    }
                }
                backends[k].sgdSteps(counts, ps, gs, bs, first, s[0], s[1], s[2], s[3], s[4] != 0f);
                float[] all = new float[0];
                for (int t = 0; t < counts.length; t++) {
                    all = concat(all, ps[t].array(), bs != null ? bs[t].array() : new float[0]);
                }
                out[k] = all;
            }
            assertClose("sgd steps " + Arrays.toString(s), out[0], out[1], 3e-7);
        }
    }

    // ---- reductions --------------------------------------------------------------------------------

    private static final int[][] REDUCE_SHAPES = {
        {1, 1, 1}, {1, 17, 1}, {5, 33, 1}, {3, 7, 5}, {2, 9, 65}, {1, 100_001, 1}, {4, 40_000, 1},
        {64, 16, 1024}, {1, 64, 7_001}, {3, 0, 4},
    };

    private void reductions(int outer, int size, int inner) {
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

    // ---- matrix products ---------------------------------------------------------------------------

    private static final int[][] GEMM_SHAPES = {
        {1, 1, 1}, {7, 13, 5}, {6, 32, 17}, {13, 31, 1}, {1, 100, 300}, {67, 45, 300}, {130, 1100, 9},
        {1000, 9, 20}, {129, 131, 257}, {0, 5, 5}, {5, 5, 0},
        // long k with few outputs (split k on devices), and k not a multiple of any tile
        {7, 13, 5003}, {33, 70, 2049},
    };

    private void gemmEveryTransposeAndScale(int m, int n, int k) {
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                for (float[] ab : new float[][] {{1f, 0f}, {2f, 1f}, {-0.5f, 0.25f}}) {
                    checkGemm(ta, tb, m, n, k, ab[0], ab[1]);
                }
            }
        }
    }

    private void gemmTallC() {
        // C split by rows across threads that share each packed panel of B: two column panels, two k-blocks,
        // rows that end mid-sliver, and beta scaling on the first block.
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                checkGemm(ta, tb, 211, 1060, 1030, -0.5f, 0.25f);
            }
        }
    }

    private void gemmBetaZeroIgnoresNaN() {
        float[] a = normal(9 * 11);
        float[] b = normal(11 * 37);
        float[] c = new float[9 * 37];
        Arrays.fill(c, Float.NaN);
        Storage cs = Storage.wrap(c);
        tested.gemm(false, false, 9, 37, 11, 1f, Storage.wrap(a), 0, 11, Storage.wrap(b), 0, 37, 0f, cs, 0, 37);
        float[] result = cs.array();
        for (int i = 0; i < result.length; i++) {
            if (Float.isNaN(result[i])) {
                throw new AssertionError("gemm with beta 0: element " + i + " of C is NaN, carried over from the output");
            }
        }
    }

    private void gemmSubmatrices() {
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

    private void gemmBatched() {
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
        assertClose(String.format(Locale.ROOT, "gemm ta=%s tb=%s %dx%dx%d alpha=%s beta=%s", ta, tb, m, n, k, alpha, beta),
                cs.array(), cr.array(), 2e-6 * Math.max(1, k));
    }

    // ---- softmax, copies, indexing -------------------------------------------------------------------

    private static final int[][] SOFTMAX_SHAPES = {{1, 1, 1}, {3, 17, 1}, {64, 100, 1}, {2, 1001, 1}, {3, 5, 7}, {2, 33, 4}, {3, 10, 33},
        {40, 9, 70}};

    private void softmax(int outer, int size, int inner) {
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

    private void stridedCopies() {
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

    private void fillAndCopy() {
        float[] src = normal(70);
        float[] expected = new float[70];
        Arrays.fill(expected, 3, 53, 2.5f);
        System.arraycopy(src, 10, expected, 60, 10);
        for (Backend be : new Backend[] {tested, scalar}) {
            Storage d = new Storage(70);
            be.fill(d, 3, 50, 2.5f);
            be.copy(Storage.wrap(src), 10, d, 60, 10);
            assertClose(be.name() + ": fill [3, 53) and copy to [60, 70)", d.array(), expected, 0);
        }
    }

    /** {outer, size, inner, index length}: vector rows with tails, single floats, enough rows to run in parallel. */
    private static final int[][] INDEX_SHAPES = {{3, 7, 5, 4}, {2, 9, 33, 12}, {1, 5, 1, 7}, {64, 10, 70, 5}, {2, 3, 17, 0}};
    /** Index shapes for gather; the gathered-from tensor is 7 long along the chosen dim. */
    private static final int[][] GATHER_SHAPES = {{3, 4, 5}, {2, 5, 37}, {64, 9, 40}};

    private void indexSelectAdd(int outer, int size, int inner, int count) {
        float[] x = normal(outer * size * inner);
        int[] index = new int[count];
        for (int j = 0; j < count; j++) {
            index[j] = j == 1 ? index[0] : rng.nextInt(size); // one repeat, so index add must accumulate
        }
        float[][] results = new float[2][];
        Backend[] backends = {tested, scalar};
        for (int k = 0; k < 2; k++) {
            Storage sel = new Storage(outer * count * inner);
            backends[k].indexSelect(Storage.wrap(x), outer, size, inner, index, sel);
            Storage back = Storage.wrap(x.clone());
            backends[k].indexAdd(sel, outer, size, inner, index, back);
            results[k] = concat(sel.array(), back.array());
        }
        assertClose("index select and add " + outer + "x" + size + "x" + inner, results[0], results[1], 0);
    }

    /**
     * Gather from x along {@code dim}, and scatter the result back. With {@code transposed}, x is a
     * transposed view (its last two strides swapped), so no dimension of it is contiguous.
     */
    private void gatherScatter(int[] indexShape, int dim, boolean transposed) {
        int[] xShape = indexShape.clone();
        xShape[dim] = 7;
        int n = numel(xShape);
        float[] x = normal(n);
        int[] xStrides = strides(xShape, xShape);
        if (transposed) {
            xStrides = new int[] {xShape[1] * xShape[2], 1, xShape[1]};
        }
        int[] index = new int[numel(indexShape)];
        for (int i = 0; i < index.length; i++) {
            index[i] = rng.nextInt(7);
        }
        float[][] results = new float[2][];
        Backend[] backends = {tested, scalar};
        for (int k = 0; k < 2; k++) {
            Storage gathered = new Storage(index.length);
            backends[k].gather(indexShape, dim, index, Storage.wrap(x), xStrides, gathered);
            Storage scattered = new Storage(n);
            backends[k].scatterAdd(indexShape, dim, index, gathered, scattered, xStrides);
            results[k] = concat(gathered.array(), scattered.array());
        }
        assertClose("gather and scatter add along " + dim, results[0], results[1], 0);
    }

    // ---- convolution, pooling, batch norm ------------------------------------------------------------

    private static final ConvGeometry[] CONVOLUTIONS = {
        new ConvGeometry(3, 4, 9, 7, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1),
        new ConvGeometry(2, 6, 8, 8, 4, 3, 3, 2, 2, 1, 1, 1, 1, 2),
        new ConvGeometry(2, 4, 10, 9, 4, 3, 3, 1, 1, 2, 2, 2, 2, 4),
        new ConvGeometry(3, 5, 6, 5, 7, 1, 1, 1, 1, 0, 0, 1, 1, 1),
        new ConvGeometry(2, 3, 11, 11, 5, 5, 5, 3, 3, 2, 2, 1, 1, 1),
        new ConvGeometry(1, 8, 16, 16, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1),
        // the direct convolution with more taps than one block holds (a block ends on a kernel row)
        new ConvGeometry(2, 32, 17, 17, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1),
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
        // rows of whole tiles then a partial tile, output planes in transposed blocks of 8 and left over, two
        // channel blocks, stride 1 (also the input gradient) and stride 2
        new ConvGeometry(2, 33, 9, 9, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1),
        new ConvGeometry(2, 8, 16, 18, 36, 3, 3, 2, 2, 1, 1, 1, 1, 1),
        // strided, few output channels, an output plane of more than 64: the per-image im2col weight gradient
        new ConvGeometry(2, 3, 21, 19, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1),
        // stride 2 on long rows, odd and even padding
        new ConvGeometry(2, 3, 5, 70, 33, 3, 3, 2, 2, 1, 1, 1, 1, 1),
        new ConvGeometry(2, 3, 6, 67, 34, 3, 3, 2, 2, 2, 2, 1, 1, 1),
        // strided input gradients split by phase: the ResNet shape, a second block of one channel and phases of
        // unequal height, stride 3 x 2 with dilated rows, groups; and a kernel row whose odd rows no tap
        // reaches, which stays with the GEMM
        new ConvGeometry(2, 32, 16, 16, 64, 3, 3, 2, 2, 1, 1, 1, 1, 1),
        new ConvGeometry(2, 33, 9, 8, 20, 3, 3, 2, 2, 1, 1, 1, 1, 1),
        new ConvGeometry(2, 40, 11, 10, 24, 3, 3, 3, 2, 1, 2, 2, 1, 1),
        new ConvGeometry(2, 64, 8, 8, 32, 3, 3, 2, 2, 1, 1, 1, 1, 2),
        new ConvGeometry(2, 32, 9, 9, 8, 1, 3, 2, 1, 0, 1, 1, 1, 1),
        // rows of at most 4 positions (a ResNet's last stage on 8 x 4): pairs of rows, an odd last row, rows of 2
        new ConvGeometry(2, 40, 8, 4, 36, 3, 3, 1, 1, 1, 1, 1, 1, 1),
        new ConvGeometry(2, 33, 7, 4, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1),
        new ConvGeometry(2, 33, 5, 2, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1),
        // the weight gradient of 2^20 weights and more on a small plane: one GEMM over the batch
        new ConvGeometry(2, 344, 3, 2, 344, 3, 3, 1, 1, 1, 1, 1, 1, 1),
        // channel tiles of 9 taps on a plane larger than 16 x 16, a partial second block of output channels
        new ConvGeometry(2, 8, 20, 18, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1),
    };

    /** The convolution geometries the contract checks, for tests of which algorithm each one takes. */
    public static List<ConvGeometry> convolutions() {
        return List.of(CONVOLUTIONS);
    }

    private void convolution(ConvGeometry g) {
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
                Storage o = Storage.wrap(normal(outSize)); // overwritten, whatever it held
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

    private static final PoolGeometry[] POOLINGS = {
        new PoolGeometry(2, 3, 7, 6, 3, 3, 2, 2, 1, 1),
        new PoolGeometry(1, 2, 8, 8, 2, 2, 2, 2, 0, 0),
        new PoolGeometry(3, 5, 9, 11, 2, 3, 1, 2, 1, 1),
        new PoolGeometry(64, 16, 32, 32, 3, 3, 2, 2, 1, 1),
    };

    private void pooling(PoolGeometry g) {
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

    private static final int[][] BATCH_NORM_SHAPES = {
        {4, 3, 1}, {2, 5, 7}, {3, 4, 33}, {64, 16, 1024}, {64, 100, 1}, {37, 3, 40},
        // 83 = 4 vectors, 1 vector and 3 scalars: every loop of the unrolled channel sums
        {3, 2, 83},
    };

    private void addRelu() {
        for (int n : new int[] {1, 7, 64, 1000, 100_003}) {
            float[] a = normal(n);
            float[] b = normal(n);
            Storage tested1 = Storage.wrap(normal(n)); // overwritten, whatever it held
            Storage scalar1 = new Storage(n);
            tested.addRelu(Storage.wrap(a), Storage.wrap(b), tested1, n);
            scalar.addRelu(Storage.wrap(a), Storage.wrap(b), scalar1, n);
            assertClose("addRelu n=" + n, tested1.array(), scalar1.array(), 0);
            Storage inPlace = Storage.wrap(a.clone());
            tested.addRelu(inPlace, Storage.wrap(b), inPlace, n);
            assertClose("addRelu in place n=" + n, inPlace.array(), scalar1.array(), 0);
        }
    }

    private void batchNorm(int batch, int channels, int spatial) {
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
        float[] reluMask = normal(x.length);
        for (int i = 0; i < reluMask.length; i++) {
            reluMask[i] = Math.max(reluMask[i], 0f);
        }
        float[][] results = new float[2][];
        Backend[] backends = {tested, scalar};
        for (int k = 0; k < 2; k++) {
            Storage mean = new Storage(channels);
            Storage var = new Storage(channels);
            backends[k].batchNormStatistics(Storage.wrap(x), batch, channels, spatial, mean, var);
            Storage y = new Storage(x.length);
            backends[k].channelAffine(Storage.wrap(x), batch, channels, spatial, Storage.wrap(scale), Storage.wrap(shift), y);
            Storage yRelu = Storage.wrap(normal(x.length)); // overwritten, whatever it held
            backends[k].channelAffineRelu(Storage.wrap(x), batch, channels, spatial, Storage.wrap(scale),
                    Storage.wrap(shift), yRelu);
            float[] parts = concat(mean.array(), var.array(), y.array(), yRelu.array());
            // The training call: statistics, running update (with running statistics and without), constants.
            for (boolean running : new boolean[] {true, false}) {
                Storage[] out = {new Storage(channels), new Storage(channels), new Storage(channels),
                    new Storage(channels), Storage.wrap(normal(channels))}; // mean, variance, invStd, scale, shift
                Storage rm = running ? Storage.wrap(m.clone()) : null;
                Storage rv = running ? Storage.wrap(invStd.clone()) : null;
                backends[k].batchNormTraining(Storage.wrap(x), batch, channels, spatial, 1e-5f, 0.1f,
                        running ? Storage.wrap(gamma) : null, running ? Storage.wrap(shift) : null, rm, rv, out[0], out[1],
                        out[2], out[3], out[4]);
                for (Storage o : out) {
                    parts = concat(parts, o.array());
                }
                if (running) {
                    parts = concat(parts, rm.array(), rv.array());
                }
            }
            for (boolean training : new boolean[] {true, false}) {
                Storage gx = new Storage(x.length);
                Storage gg = new Storage(channels);
                Storage gbeta = new Storage(channels);
                backends[k].batchNormBackward(Storage.wrap(x), Storage.wrap(gy), batch, channels, spatial,
                        Storage.wrap(m), Storage.wrap(invStd), Storage.wrap(gamma), training, gx, gg, gbeta);
                parts = concat(parts, gx.array(), gg.array(), gbeta.array());
                // Through a ReLU whose output is reluMask: about half of dy is masked.
                Storage rx = Storage.wrap(normal(x.length));
                Storage rg = Storage.wrap(normal(channels));
                Storage rb = Storage.wrap(normal(channels));
                backends[k].batchNormReluBackward(Storage.wrap(x), Storage.wrap(reluMask), Storage.wrap(gy), batch,
                        channels, spatial, Storage.wrap(m), Storage.wrap(invStd), Storage.wrap(gamma), training, rx, rg,
                        rb);
                parts = concat(parts, rx.array(), rg.array(), rb.array());
                // Without gamma and beta (affine off): only the input gradient, through the ReLU.
                Storage nx = new Storage(x.length);
                backends[k].batchNormReluBackward(Storage.wrap(x), Storage.wrap(reluMask), Storage.wrap(gy), batch,
                        channels, spatial, Storage.wrap(m), Storage.wrap(invStd), null, training, nx, null, null);
                parts = concat(parts, nx.array());
            }
            results[k] = parts;
        }
        assertClose("batch norm [" + batch + ", " + channels + ", " + spatial + "]", results[0], results[1],
                2e-6 * Math.sqrt(batch * spatial) * 10);
    }

    /** invStd, scale and shift with and without gamma and beta, and the running statistics' update. */
    private void batchNormChannels() {
        for (int channels : new int[] {1, 7, 64, 100}) {
            float[] mean = normal(channels);
            float[] variance = positive(channels);
            float[] gamma = normal(channels);
            float[] beta = normal(channels);
            float[] runningMean = normal(channels);
            float[] runningVar = positive(channels);
            float[][] results = new float[2][];
            Backend[] backends = {tested, scalar};
            for (int k = 0; k < 2; k++) {
                float[] parts = new float[0];
                for (int affine = 0; affine < 4; affine++) {
                    Storage invStd = new Storage(channels);
                    Storage scale = new Storage(channels);
                    Storage shift = Storage.wrap(normal(channels)); // overwritten, whatever it held
                    backends[k].batchNormScaleShift(channels, Storage.wrap(mean), Storage.wrap(variance),
                            (affine & 1) != 0 ? Storage.wrap(gamma) : null, (affine & 2) != 0 ? Storage.wrap(beta) : null,
                            1e-5f, invStd, scale, shift);
                    parts = concat(parts, invStd.array(), scale.array(), shift.array());
                }
                Storage rm = Storage.wrap(runningMean.clone());
                Storage rv = Storage.wrap(runningVar.clone());
                backends[k].batchNormRunningUpdate(channels, 0.1f, Storage.wrap(mean), Storage.wrap(variance), 64f / 63f,
                        rm, rv);
                results[k] = concat(parts, rm.array(), rv.array());
            }
            assertClose("batch norm constants, " + channels + " channels", results[0], results[1], 2e-6);
        }
    }

    // ---- inputs and comparison -----------------------------------------------------------------------

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
        return Shape.of(dims).broadcastStrides(Shape.of(target));
    }

    private static int[] broadcast(int[] a, int[] b) {
        return Shape.broadcast("kernel contract", Shape.of(a), Shape.of(b)).dims();
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

    /** Element-wise {@code |actual - expected| <= tol * max(1, |expected|)}; NaN and infinities must match exactly. */
    private void assertClose(String what, float[] actual, float[] expected, double requested) {
        double tol = Math.max(requested, toleranceFloor);
        if (actual.length != expected.length) {
            throw new AssertionError(what + ": " + actual.length + " elements, oracle " + expected.length);
        }
        for (int i = 0; i < actual.length; i++) {
            float a = actual[i];
            float e = expected[i];
            if (Float.isNaN(e) || Float.isInfinite(e)) {
                if (Float.compare(a, e) != 0) {
                    throw new AssertionError(what + ": element " + i + " is " + a + ", oracle " + e);
                }
                continue;
            }
            double bound = tol * Math.max(1, Math.abs(e));
            if (!(Math.abs(a - e) <= bound)) {
                throw new AssertionError(what + ": element " + i + " is " + a + ", oracle " + e + " (tolerance " + bound + ")");
            }
        }
    }
}
