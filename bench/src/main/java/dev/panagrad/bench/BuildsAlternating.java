package dev.panagrad.bench;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandleProxies;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Two or more builds compared on one convolution pass or on whole training steps, window by window in
 * one JVM: each build's classes (engine, nn and these benchmarks, as in a {@code benchmarks.jar}) in a
 * class loader of its own, the builds taking turns for a window each, in reversed order every other
 * round. As in {@link GemmAlternating}, a machine whose speed drifts slows both sides of a round alike,
 * so the ratio of a round's rates measures the change.
 *
 * <pre>
 * java --add-modules=jdk.incubator.vector -cp bench/target/benchmarks.jar dev.panagrad.bench.BuildsAlternating \
 *     conv:c64-64-8s1:backwardWeight 0.5 10 before=/tmp/before/benchmarks.jar after=bench/target/benchmarks.jar
 * </pre>
 *
 * Arguments: the workload, {@code conv:SHAPE:PASS} (a {@link ResNet20Convolutions} shape at batch 64, PASS
 * one of forward, backwardInput, backwardWeight: {@link Conv2dBench}) or {@code step:DEPTH[:BATCH]} (a
 * {@link TrainingStep}, batch 64 unless given); the seconds of a window; the rounds; then
 * {@code label=classpath} per build (the first is the baseline). {@value #WARM_UP_ROUNDS} rounds run
 * first, unmeasured, while the JIT compiles. Prints per build its mean rate, and against the baseline
 * the median and quartiles of the per-round speed ratios (above 1: faster than the baseline), and the
 * cores' round trip before and after each round ({@link CoreToCoreLatency}), round by round where it
 * changed.
 */
public final class BuildsAlternating {
    /** Rounds run before the measured ones. */
    static final int WARM_UP_ROUNDS = 3;
    private static final List<String> PASSES = List.of("forward", "backwardInput", "backwardWeight");

    private BuildsAlternating() {
    }

    /** What each build runs: a convolution pass of {@link Conv2dBench}, or a {@link TrainingStep}. */
    record Workload(String shape, String pass, int depth, int batch) {
        /** {@code conv:SHAPE:PASS} or {@code step:DEPTH[:BATCH]}. */
        static Workload parse(String text) {
            String[] parts = text.split(":", -1);
            try {
                if (parts[0].equals("conv") && parts.length == 3
                        && Arrays.asList(ResNet20Convolutions.ALL.split(",")).contains(parts[1]) && PASSES.contains(parts[2])) {
                    return new Workload(parts[1], parts[2], 0, 64);
                }
                if (parts[0].equals("step") && (parts.length == 2 || parts.length == 3)) {
                    int batch = parts.length == 3 ? Integer.parseInt(parts[2]) : 64;
                    int depth = Integer.parseInt(parts[1]);
                    if (batch > 0 && depth > 0) {
                        return new Workload(null, null, depth, batch);
                    }
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("BuildsAlternating: expected conv:SHAPE:PASS (SHAPE one of "
                    + ResNet20Convolutions.ALL + ", PASS one of " + String.join(", ", PASSES)
                    + ") or step:DEPTH[:BATCH] for the workload, got '" + text + "'");
        }

        boolean isStep() {
            return shape == null;
        }

        /** One call of this workload on the build whose classes {@code loader} holds (its result dropped). */
        Runnable load(ClassLoader loader) throws ReflectiveOperationException {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            MethodHandle call;
            if (isStep()) {
                Class<?> step = Class.forName("dev.panagrad.bench.TrainingStep", true, loader);
                Object instance = step.getConstructor(int.class, int.class).newInstance(depth, batch);
                call = lookup.findVirtual(step, "run", MethodType.methodType(float.class)).bindTo(instance);
            } else {
                Class<?> bench = Class.forName("dev.panagrad.bench.Conv2dBench", true, loader);
                Object instance = bench.getConstructor().newInstance();
                bench.getField("shape").set(instance, shape);
                bench.getField("batch").setInt(instance, batch);
                bench.getMethod("setUp").invoke(instance);
                call = lookup.findVirtual(bench, pass, MethodType.methodType(Class.forName("dev.panagrad.engine.Tensor",
                        true, loader))).bindTo(instance);
            }
            return MethodHandleProxies.asInterfaceInstance(Runnable.class, call);
        }

        @Override
        public String toString() {
            return isStep() ? "resnet" + depth + " training step, batch " + batch : "conv " + shape + " " + pass + ", batch " + batch;
        }
    }

    public static void main(String[] args) throws Throwable {
        if (args.length < 5) {
            System.err.println("usage: BuildsAlternating conv:SHAPE:PASS|step:DEPTH[:BATCH] windowSeconds rounds "
                    + "label=classpath label=classpath [...]");
            System.exit(2);
        }
        Workload workload = Workload.parse(args[0]);
        long window = (long) (Double.parseDouble(args[1]) * 1e9);
        int rounds = Integer.parseInt(args[2]);
        if (window <= 0 || rounds <= 0) {
            throw new IllegalArgumentException("BuildsAlternating: the window and the rounds must be positive, got "
                    + args[1] + " s and " + args[2]);
        }
        int builds = args.length - 3;
        Runnable[] calls = new Runnable[builds];
        GemmAlternating.Build[] parsed = new GemmAlternating.Build[builds];
        for (int i = 0; i < builds; i++) { // every argument read before any build is loaded
            parsed[i] = GemmAlternating.Build.parse(args[i + 3], "BuildsAlternating");
        }
        for (int i = 0; i < builds; i++) {
            GemmAlternating.Build build = parsed[i];
            try {
                calls[i] = workload.load(GemmAlternating.loaderOf(build.classpath()));
            } catch (ClassNotFoundException e) {
                throw new IllegalArgumentException("BuildsAlternating: build '" + build.label() + "' lacks " + e.getMessage()
                        + " on " + build.classpath() + " (give a benchmarks.jar, or the engine's, nn's and bench's classes)", e);
            }
        }
        List<double[]> measured = new ArrayList<>();
        List<double[]> roundTrips = new ArrayList<>();
        for (int round = 0; round < WARM_UP_ROUNDS + rounds; round++) {
            double[] rates = new double[builds];
            double tripBefore = round >= WARM_UP_ROUNDS
                    ? CoreToCoreLatency.roundTripNanos(CoreToCoreLatency.SAMPLE_MILLIS) : Double.NaN;
            for (int j = 0; j < builds; j++) {
                int i = round % 2 == 0 ? j : builds - 1 - j; // each build goes first as often as last
                long[] run = StepServer.window(calls[i], window); // whole calls, at least one: {calls, nanos}
                rates[i] = run[0] / (run[1] * 1e-9);
            }
            if (round >= WARM_UP_ROUNDS) {
                measured.add(rates);
                roundTrips.add(new double[] {tripBefore, CoreToCoreLatency.roundTripNanos(CoreToCoreLatency.SAMPLE_MILLIS)});
            }
        }
        for (int i = 0; i < builds; i++) {
            double[] own = GemmAlternating.column(measured, i);
            System.out.printf(Locale.ROOT, "%-10s %s: %.2f calls/s (mean of %d windows)%n", parsed[i].label(), workload,
                    Arrays.stream(own).average().orElseThrow(), own.length);
        }
        for (int i = 1; i < builds; i++) {
            // rates, not times: the baseline's time over the other's is the other's rate over the baseline's
            double[] ratios = GemmAlternating.speedRatios(GemmAlternating.column(measured, i),
                    GemmAlternating.column(measured, 0));
            System.out.printf(Locale.ROOT, "%s against %s, per round: median %.3f, quartiles %.3f-%.3f%n", parsed[i].label(),
                    parsed[0].label(), GemmAlternating.quantile(ratios, 0.5), GemmAlternating.quantile(ratios, 0.25),
                    GemmAlternating.quantile(ratios, 0.75));
        }
        printRoundTrips(roundTrips, measured, parsed);
    }

    /**
     * The cores' round trip before and after each round; where it moved by more than half, the machine
     * changed under the run (a host moving its cores), and each round is listed with it.
     */
    static void printRoundTrips(List<double[]> roundTrips, List<double[]> measured, GemmAlternating.Build[] parsed) {
        double[] trips = roundTrips.stream().flatMapToDouble(Arrays::stream).toArray();
        double low = Arrays.stream(trips).min().orElse(Double.NaN);
        double high = Arrays.stream(trips).max().orElse(Double.NaN);
        System.out.printf(Locale.ROOT, "core-to-core round trip before and after each round: median %.0f ns, %.0f-%.0f ns%n",
                GemmAlternating.quantile(trips, 0.5), low, high);
        if (high > 1.5 * low) {
            for (int r = 0; r < roundTrips.size(); r++) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  round %2d: %4.0f -> %4.0f ns", r + 1,
                        roundTrips.get(r)[0], roundTrips.get(r)[1]));
                for (int i = 0; i < parsed.length; i++) {
                    line.append(String.format(Locale.ROOT, "  %s %.2f calls/s", parsed[i].label(), measured.get(r)[i]));
                }
                System.out.println(line);
            }
        }
    }
}
