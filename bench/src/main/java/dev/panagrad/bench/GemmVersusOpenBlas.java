package dev.panagrad.bench;

import dev.panagrad.engine.backend.Parallel;
import dev.panagrad.engine.backend.simd.GemmKernel;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Panagrad's GEMM against OpenBLAS's {@code cblas_sgemm}, in one JVM, one n x n product each in turn.
 * A machine whose speed drifts (a shared VM: 10-15% within minutes) slows both sides of every pair alike,
 * so the per-pair ratio measures the two libraries where separate runs minutes apart cannot.
 *
 * <pre>
 * OPENBLAS_THREAD_TIMEOUT=4 java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *     -cp bench/target/benchmarks.jar dev.panagrad.bench.GemmVersusOpenBlas 1024 30 [libopenblas.so]
 * </pre>
 *
 * Both run on {@code -Dpanagrad.threads} threads. OpenBLAS's threads spin for a while after each call
 * ({@code OPENBLAS_THREAD_TIMEOUT}, a power of two in cycles, 2^28 by default) and take the cores from
 * Panagrad's next product: 4, its least, lets them sleep at once (the tool warns where it is unset). On
 * AVX-512 machines, {@code OPENBLAS_CORETYPE=Haswell} and {@code -XX:UseAVX=2} restrict both sides to AVX2.
 * The products are checked against each other, within the rounding of k float products and sums.
 */
public final class GemmVersusOpenBlas {
    /** Where Debian's libopenblas0-pthread and libopenblas0 put the library. */
    static final List<Path> DEFAULT_LIBRARIES = List.of(
            Path.of("/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0"),
            Path.of("/usr/lib/x86_64-linux-gnu/libopenblas.so.0"),
            Path.of("/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0"));
    private static final int CBLAS_ROW_MAJOR = 101;
    private static final int CBLAS_NO_TRANS = 111;

    private GemmVersusOpenBlas() {
    }

    /** OpenBLAS, loaded: its sgemm, the name of the kernels it chose, and its thread count. */
    record OpenBlas(MethodHandle sgemm, String core, int threads) {

        static OpenBlas load(Path library, int threads) throws Throwable {
            SymbolLookup lookup = SymbolLookup.libraryLookup(library, Arena.global());
            Linker linker = Linker.nativeLinker();
            MemorySegment sgemmSymbol = lookup.find("cblas_sgemm").orElseThrow(() -> new IllegalArgumentException(
                    "GemmVersusOpenBlas: " + library + " has no cblas_sgemm"));
            // Heap arrays passed straight to the call, without copies: allowed for calls that do not
            // call back into Java (critical).
            MethodHandle sgemm = linker.downcallHandle(sgemmSymbol, FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT), Linker.Option.critical(true));
            String core = "unknown";
            var coreName = lookup.find("openblas_get_corename");
            if (coreName.isPresent()) {
                MemorySegment name = (MemorySegment) linker.downcallHandle(coreName.get(),
                        FunctionDescriptor.of(ValueLayout.ADDRESS)).invokeExact();
                core = name.reinterpret(256).getString(0);
            }
            var setThreads = lookup.find("openblas_set_num_threads");
            if (setThreads.isPresent()) {
                linker.downcallHandle(setThreads.get(), FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT))
                        .invokeExact(threads);
            }
            return new OpenBlas(sgemm, core, threads);
        }

        /** C = A B for row-major n x n matrices. */
        void multiply(int n, float[] a, float[] b, float[] c) throws Throwable {
            sgemm.invokeExact(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, CBLAS_NO_TRANS, n, n, n, 1f, MemorySegment.ofArray(a),
                    n, MemorySegment.ofArray(b), n, 0f, MemorySegment.ofArray(c), n);
        }
    }

    /** What a run measured: per pair, Panagrad's and OpenBLAS's time in ns, and the largest difference. */
    record Pairs(int n, List<double[]> times, double difference, double bound) {

        double[] ours() {
            return GemmAlternating.column(times, 0);
        }

        double[] theirs() {
            return GemmAlternating.column(times, 1);
        }

        /** Per pair, OpenBLAS's time over Panagrad's: above 1, Panagrad was faster. */
        double[] ratios() {
            return GemmAlternating.speedRatios(theirs(), ours());
        }

        String report(String core, int threads) {
            double flops = 2.0 * n * n * n;
            double[] ratios = ratios();
            return String.format(Locale.ROOT, "paired n=%d threads=%d openblas_core=%s pairs=%d panagrad_GFLOPS=%.1f "
                            + "openblas_GFLOPS=%.1f ratio_median=%.3f ratio_q1=%.3f ratio_q3=%.3f max_difference=%.3g "
                            + "bound=%.3g",
                    n, threads, core, times.size(), flops / GemmAlternating.quantile(ours(), 0.5),
                    flops / GemmAlternating.quantile(theirs(), 0.5), GemmAlternating.quantile(ratios, 0.5),
                    GemmAlternating.quantile(ratios, 0.25), GemmAlternating.quantile(ratios, 0.75), difference, bound);
        }
    }

    public static void main(String[] args) throws Throwable {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: GemmVersusOpenBlas n seconds [path to libopenblas.so]");
            System.exit(2);
        }
        int n = Integer.parseInt(args[0]);
        double seconds = Double.parseDouble(args[1]);
        Path library = args.length == 3 ? Path.of(args[2]) : findLibrary(DEFAULT_LIBRARIES);
        if (System.getenv("OPENBLAS_THREAD_TIMEOUT") == null) {
            System.err.println("GemmVersusOpenBlas: OPENBLAS_THREAD_TIMEOUT is unset, so OpenBLAS's threads spin "
                    + "after each product and slow Panagrad's next one; set it to 4");
        }
        OpenBlas openBlas = OpenBlas.load(library, Parallel.threads());
        Pairs pairs = measure(openBlas, n, (long) (seconds * 1e9), GemmAlternating.WARM_UP_NANOS);
        System.out.println(pairs.report(openBlas.core(), openBlas.threads()));
        if (pairs.difference() > pairs.bound()) {
            throw new IllegalStateException("GemmVersusOpenBlas: the products differ by " + pairs.difference()
                    + ", beyond the float rounding bound " + pairs.bound() + " (n = " + n + ")");
        }
    }

    /** The first of {@code places} that exists; names them all where none does. */
    static Path findLibrary(List<Path> places) {
        return places.stream().filter(Files::isRegularFile).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "GemmVersusOpenBlas: no OpenBLAS library at " + places
                        + " (Debian: apt-get install libopenblas0-pthread), or give its path"));
    }

    /**
     * Alternates one product of each for {@code nanos} after {@code warmUpNanos}, Panagrad first, on the
     * same random operands, and compares the last two products.
     */
    static Pairs measure(OpenBlas openBlas, int n, long nanos, long warmUpNanos) throws Throwable {
        Random random = new Random(1);
        float[] a = new float[n * n];
        float[] b = new float[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = random.nextFloat() * 2 - 1;
            b[i] = random.nextFloat() * 2 - 1;
        }
        float[] ours = new float[n * n];
        float[] theirs = new float[n * n];
        List<double[]> times = new ArrayList<>();
        long start = System.nanoTime();
        do {
            long t0 = System.nanoTime();
            GemmKernel.gemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, ours, 0, n);
            long t1 = System.nanoTime();
            openBlas.multiply(n, a, b, theirs);
            long t2 = System.nanoTime();
            if (t0 - start >= warmUpNanos) {
                times.add(new double[] {t1 - t0, t2 - t1});
            }
        } while (System.nanoTime() - start < warmUpNanos + nanos || times.isEmpty());
        double difference = 0;
        for (int i = 0; i < ours.length; i++) {
            difference = Math.max(difference, Math.abs(ours[i] - theirs[i]));
        }
        // Each entry sums n products of values in [-1, 1]: both sides round within n ulps of 1 times n.
        double bound = 2.0 * n * n * Math.ulp(1f);
        return new Pairs(n, times, difference, bound);
    }
}
