package dev.panagrad.bench;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Two or more builds of the GEMM kernel, compared product by product in one JVM: each build's classes
 * in a class loader of its own, the builds taking turns, one n x n product each. A machine whose speed
 * drifts (a shared VM: 10-15% within minutes) slows both sides of every pair alike, so the ratio of a
 * pair's times measures the change; separate JMH runs minutes apart cannot see a few percent there.
 *
 * <pre>
 * java --add-modules=jdk.incubator.vector -cp bench/target/benchmarks.jar dev.panagrad.bench.GemmAlternating \
 *     1024 30 before=/tmp/before/classes after=engine/target/classes:bench/target/benchmarks.jar
 * </pre>
 *
 * Arguments: the product, n for n x n by n x n or {@code MxNxK} for an M x K by K x N one ({@code MxNxKt}: A
 * stored transposed, as convolutions' input gradients have it), seconds, then {@code label=classpath} per
 * build (paths joined by ':'; the first build is the baseline). Each build's pool has
 * {@code -Dpanagrad.threads} threads. Prints, per build, the best and median GFLOPS after a 3 s warm-up
 * and, against the baseline, the median and quartiles of the per-pair speed ratios (above 1: faster than
 * the baseline).
 */
public final class GemmAlternating {
    /** Products run before the measured ones, while the JIT compiles the kernels. */
    static final long WARM_UP_NANOS = 3_000_000_000L;

    private GemmAlternating() {
    }

    public static void main(String[] args) throws Throwable {
        if (args.length < 4) {
            System.err.println("usage: GemmAlternating n|MxNxK[t] seconds label=classpath label=classpath [...]");
            System.exit(2);
        }
        Shape shape = Shape.parse(args[0]);
        int m = shape.m();
        int n = shape.n();
        int k = shape.k();
        double seconds = Double.parseDouble(args[1]);
        int builds = args.length - 2;
        MethodHandle[] gemm = new MethodHandle[builds];
        Build[] parsed = new Build[builds];
        for (int i = 0; i < builds; i++) { // every argument read before any build is loaded
            parsed[i] = Build.parse(args[i + 2], "GemmAlternating");
        }
        for (int i = 0; i < builds; i++) {
            Build build = parsed[i];
            try {
                gemm[i] = gemmOf(build.classpath());
            } catch (ClassNotFoundException e) {
                throw new IllegalArgumentException("GemmAlternating: build '" + build.label() + "' has no GemmKernel on "
                        + build.classpath() + " (give the engine's classes directory or jar)", e);
            }
        }
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        float[] c = new float[m * n];
        Random random = new Random(1);
        for (int i = 0; i < a.length; i++) {
            a[i] = random.nextFloat() - 0.5f;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = random.nextFloat() - 0.5f;
        }
        boolean transA = shape.transA();
        int lda = transA ? m : k;
        List<double[]> pairs = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            double[] times = new double[builds];
            for (int i = 0; i < builds; i++) {
                long t = System.nanoTime();
                gemm[i].invokeExact(transA, false, m, n, k, 1f, a, 0, lda, b, 0, n, 0f, c, 0, n);
                times[i] = System.nanoTime() - t;
            }
            if (System.nanoTime() - start > WARM_UP_NANOS) {
                pairs.add(times);
            }
        }
        if (pairs.isEmpty()) {
            throw new IllegalStateException("GemmAlternating: no product measured after the 3 s warm-up; give more seconds");
        }
        double flops = 2.0 * m * n * k;
        for (int i = 0; i < builds; i++) {
            double[] own = column(pairs, i);
            System.out.printf(Locale.ROOT, "%-10s %s products=%d best %.1f GFLOPS, median %.1f GFLOPS%n", parsed[i].label(),
                    shape, own.length, flops / min(own), flops / quantile(own, 0.5));
        }
        for (int i = 1; i < builds; i++) {
            double[] ratios = speedRatios(column(pairs, 0), column(pairs, i));
            System.out.printf(Locale.ROOT, "%s against %s, per pair: median %.3f, quartiles %.3f-%.3f%n", parsed[i].label(),
                    parsed[0].label(), quantile(ratios, 0.5), quantile(ratios, 0.25), quantile(ratios, 0.75));
        }
    }

    /** The product measured: C (m x n) = op(A) (m x k) B (k x n), A stored k x m where {@code transA}. */
    record Shape(int m, int n, int k, boolean transA) {
        /** {@code n} (square), or {@code MxNxK}, with a trailing {@code t} where A is stored transposed. */
        static Shape parse(String text) {
            String dims = text.endsWith("t") ? text.substring(0, text.length() - 1) : text;
            String[] parts = dims.split("x");
            try {
                if (parts.length == 1 && !text.endsWith("t")) {
                    int n = Integer.parseInt(parts[0]);
                    return positive(new Shape(n, n, n, false), text);
                }
                if (parts.length == 3) {
                    return positive(new Shape(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]),
                            Integer.parseInt(parts[2]), text.endsWith("t")), text);
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("GemmAlternating: expected n or MxNxK[t] for the product, got '" + text + "'");
        }

        private static Shape positive(Shape s, String text) {
            if (s.m <= 0 || s.n <= 0 || s.k <= 0) {
                throw new IllegalArgumentException("GemmAlternating: the product's sizes must be positive, got '" + text + "'");
            }
            return s;
        }

        @Override
        public String toString() {
            return m == n && n == k && !transA ? "n=" + n : "m=" + m + " n=" + n + " k=" + k + (transA ? " (A transposed)" : "");
        }
    }

    /** One build of a comparison, given as {@code label=classpath}; {@code BuildsAlternating} reads the same. */
    record Build(String label, String classpath) {
        /** {@code label=classpath}, refused in the words of {@code tool} otherwise. */
        static Build parse(String text, String tool) {
            String[] labelAndPath = text.split("=", 2);
            if (labelAndPath.length != 2) {
                throw new IllegalArgumentException(tool + ": expected label=classpath, got '" + text + "'");
            }
            return new Build(labelAndPath[0], labelAndPath[1]);
        }
    }

    /**
     * The build's {@code GemmKernel}, from a class loader of its own over {@code classpath} whose parent
     * is the platform loader: no class of the engine is shared with another build or with this tool.
     */
    static Class<?> kernelOf(String classpath) throws ReflectiveOperationException, java.io.IOException {
        return Class.forName("dev.panagrad.engine.backend.simd.GemmKernel", true, loaderOf(classpath));
    }

    /** A class loader over {@code classpath} (entries joined by ':') whose parent is the platform loader. */
    static ClassLoader loaderOf(String classpath) throws java.io.IOException {
        List<URL> urls = new ArrayList<>();
        for (String entry : classpath.split(":")) {
            urls.add(Path.of(entry).toUri().toURL());
        }
        return new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
    }

    private static MethodHandle gemmOf(String classpath) throws ReflectiveOperationException, java.io.IOException {
        return MethodHandles.publicLookup().findStatic(kernelOf(classpath), "gemm", MethodType.methodType(void.class,
                boolean.class, boolean.class, int.class, int.class, int.class, float.class, float[].class, int.class,
                int.class, float[].class, int.class, int.class, float.class, float[].class, int.class, int.class));
    }

    /** Per pair, the baseline's time over the other build's: above 1, the other build was faster. */
    static double[] speedRatios(double[] baseline, double[] other) {
        double[] ratios = new double[baseline.length];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = baseline[i] / other[i];
        }
        return ratios;
    }

    /** The q-quantile (0 to 1) of the values, by the nearest rank below. */
    static double quantile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElseThrow();
    }

    /** The i-th entry of every row: one side's times, from a list of per-round times. */
    static double[] column(List<double[]> rows, int i) {
        return rows.stream().mapToDouble(r -> r[i]).toArray();
    }
}
