package dev.panagrad.bench.gpu;

import dev.panagrad.bench.TrainingStep;
import dev.panagrad.cckd.loss.CorrelationCongruence;
import dev.panagrad.engine.Grad;
import dev.panagrad.engine.backend.Parallel;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.backend.ConvGeometry;
import dev.panagrad.engine.Backends;
import dev.panagrad.engine.backend.contract.KernelContract;
import dev.panagrad.engine.backend.Storage;
import dev.panagrad.engine.backend.opencl.OpenClBackend;
import dev.panagrad.engine.backend.opencl.OpenClBackend.ConvolutionAlgorithm;
import dev.panagrad.engine.backend.opencl.OpenClDevices;
import dev.panagrad.engine.backend.simd.SimdBackend;
import dev.panagrad.engine.OpProfiler;
import dev.panagrad.nn.models.ResNet;
import dev.panagrad.nn.models.ResNets;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The OpenCL backend on whatever device the machine has, without JUnit or JMH: the device report, the
 * kernel contract (every kernel against the scalar oracle), then the workloads that
 * {@code bench/gpu/torch_gpu.py} runs on PyTorch, timed with wall-clock timers after warm-up. Every op
 * of the backend has finished when its call returns, so the timers see the device's work.
 *
 * <p>Writes {@code OUT/panagrad.tsv} (one {@link Measurement} per line) and {@code OUT/contract.txt};
 * {@link GpuReport} turns them into {@code gpu-results.md}. Usage:
 * {@code GpuRun OUT [--quick] [--budget SECONDS]}: {@code --quick} takes small sizes (a check that the
 * bundle works, on a CPU driver); the budget skips the workloads that would start after it is spent.
 */
public final class GpuRun {
    /** Timed repetitions run for at least this long, and at least {@link #MIN_REPS} times. */
    private static final double MIN_SECONDS = 2.0;
    private static final int MIN_REPS = 3;
    private static final int MAX_REPS = 50;

    private final Path out;
    private final boolean quick;
    private final long deadline;
    private final List<Measurement> results = new ArrayList<>();
    /** The backend's counters when the current workload began, and the runs it has made (warm-up included). */
    private OpenClBackend.Counters countersBefore;
    private int runs;

    private GpuRun(Path out, boolean quick, double budgetSeconds) {
        this.out = out;
        this.quick = quick;
        this.deadline = System.nanoTime() + (long) (budgetSeconds * 1e9);
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args[0].startsWith("-")) {
            System.err.println("usage: GpuRun OUTDIR [--quick] [--budget SECONDS]");
            System.exit(2);
        }
        boolean quick = false;
        double budget = 300;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--budget" -> budget = Double.parseDouble(args[++i]);
                default -> {
                    System.err.println("GpuRun: unknown argument '" + args[i] + "'");
                    System.exit(2);
                }
            }
        }
        Path out = Path.of(args[0]);
        Files.createDirectories(out);
        System.exit(new GpuRun(out, quick, budget).run());
    }

    private int run() throws IOException {
        Files.writeString(out.resolve("runtime.txt"), "java.home=" + System.getProperty("java.home") + "\njava.version="
                + System.getProperty("java.version") + "\n");
        System.out.println("OpenCL devices:");
        System.out.print(OpenClDevices.describeAll());
        OpenClBackend gpu;
        try {
            gpu = OpenClBackend.shared();
        } catch (RuntimeException e) {
            System.out.println("no OpenCL backend: " + e.getMessage());
            Files.writeString(out.resolve("contract.txt"), "not run: no OpenCL backend (" + e.getMessage() + ")\n");
            save();
            return 1;
        }
        System.out.println("backend: " + gpu.describe());
        Files.writeString(out.resolve("backend.txt"), gpu.describe() + "\n");

        System.out.println("kernel contract:");
        var log = new java.io.ByteArrayOutputStream();
        int failures;
        try (PrintStream both = new PrintStream(new Tee(System.out, log), true, java.nio.charset.StandardCharsets.UTF_8)) {
            KernelContract contract = new KernelContract(gpu, 2e-6);
            failures = contract.runAll(both);
            // The convolutions again through the other algorithm, which the workloads below also time.
            failures += withConvolutions(ConvolutionAlgorithm.COLUMNS,
                    () -> contract.run(both, name -> name.startsWith("convolution"), "convolutions through columns"));
        }
        Files.write(out.resolve("contract.txt"), log.toByteArray());

        String opencl = "panagrad opencl";
        attempt("launch and transfer costs", opencl, () -> launchAndTransferCosts(gpu));
        for (int n : quick ? new int[] {128, 256} : new int[] {1024, 2048, 4096}) {
            attempt("gemm n=" + n, opencl, () -> gemm(gpu, n));
        }
        int big = quick ? 8 : 256;
        int small = quick ? 4 : 64;
        attempt(trainName(20, big), opencl, () -> trainStep(gpu, "opencl", 20, big, true));
        attempt(trainName(20, big), "panagrad cpu", () -> trainStep(new SimdBackend(), "cpu", 20, big, false));
        attempt(trainName(20, big), GpuReport.OPENCL_COLUMNS, () -> withConvolutions(ConvolutionAlgorithm.COLUMNS,
                () -> trainStep(gpu, "opencl", 20, big, false)));
        attempt(trainName(20, small), opencl, () -> trainStep(gpu, "opencl", 20, small, false));
        attempt(trainName(20, small), GpuReport.OPENCL_COLUMNS, () -> withConvolutions(ConvolutionAlgorithm.COLUMNS,
                () -> trainStep(gpu, "opencl", 20, small, false)));
        attempt(trainName(56, small), opencl, () -> trainStep(gpu, "opencl", 56, small, false));
        attempt(trainName(56, big), opencl, () -> trainStep(gpu, "opencl", 56, big, false));
        attempt("convolution layers", opencl, () -> convolutionLayers(gpu, big));
        attempt("resnet20 infer batch=" + big, opencl, () -> inference(gpu, 20, big));
        attempt("resnet20 infer batch=" + big, GpuReport.OPENCL_COLUMNS, () -> withConvolutions(ConvolutionAlgorithm.COLUMNS,
                () -> inference(gpu, 20, big)));
        int n = quick ? 64 : 1024;
        int d = quick ? 32 : 256;
        attempt("cc loss n=" + n + " d=" + d, opencl, () -> ccLoss(gpu, n, d));
        save();
        return failures == 0 ? 0 : 1;
    }

    // ---- workloads ---------------------------------------------------------------------------------

    /** C = A B for n x n matrices resident on the device. */
    private void gemm(Backend backend, int n) {
        String name = "gemm n=" + n;
        Rng rng = new Rng(0);
        Storage a = Storage.wrap(Tensor.randn(rng, n, n).toArray());
        Storage b = Storage.wrap(Tensor.randn(rng, n, n).toArray());
        Storage c = new Storage(n * n);
        double ms = time(name, () -> backend.gemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n));
        record(name, "panagrad opencl", 2.0 * n * n * n / ms / 1e6, "GFLOPS", ms);
    }

    /** One SGD step of resnet{depth} on a fixed random batch ({@link TrainingStep}, as torch_gpu.py runs it). */
    private void trainStep(Backend backend, String engine, int depth, int batch, boolean profile) {
        String name = trainName(depth, batch);
        try (var scope = Backends.scoped(backend)) {
            Runnable step = new TrainingStep(depth, batch)::run;
            double ms = time(name + " on " + engine, step);
            record(name, engineName(engine), batch / ms * 1e3, "img/s", ms);
            if (profile) {
                try (OpProfiler p = OpProfiler.start()) {
                    step.run();
                    p.reset();
                    OpenClBackend gpu = OpenClBackend.shared();
                    gpu.resetKernelTimes();
                    step.run();
                    StringBuilder kernels = new StringBuilder("| kernel | launches | total ms | us/launch |\n|---|---:|---:|---:|\n");
                    for (OpenClBackend.KernelTime k : gpu.kernelTimes()) {
                        kernels.append(String.format(Locale.ROOT, "| %s | %d | %.2f | %.1f |%n", k.kernel(), k.launches(),
                                k.nanos() / 1e6, k.nanos() / 1e3 / k.launches()));
                    }
                    Files.writeString(out.resolve("profile.md"), "One " + name + " on " + engine + ", each op timed "
                            + "from its call to its return (launch and wait included).\n\n" + p.table()
                            + "\nThe same step by OpenCL kernel (each launch waits for its kernel):\n\n" + kernels);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
    }

    /** The engine a measurement is recorded under: the OpenCL rows say which convolution algorithm ran. */
    private static String engineName(String engine) {
        if (engine.equals("opencl") && OpenClBackend.convolutionAlgorithm() == ConvolutionAlgorithm.COLUMNS) {
            return GpuReport.OPENCL_COLUMNS;
        }
        return "panagrad " + engine;
    }

    /** Runs {@code body} with the OpenCL backend's convolutions through {@code algorithm}, then restores the choice. */
    private static <T> T withConvolutions(ConvolutionAlgorithm algorithm, java.util.function.Supplier<T> body) {
        ConvolutionAlgorithm before = OpenClBackend.convolutionAlgorithm();
        OpenClBackend.useConvolutionAlgorithm(algorithm);
        try {
            return body.get();
        } finally {
            OpenClBackend.useConvolutionAlgorithm(before);
        }
    }

    private static void withConvolutions(ConvolutionAlgorithm algorithm, Runnable body) {
        withConvolutions(algorithm, () -> {
            body.run();
            return null;
        });
    }

    private static String trainName(int depth, int batch) {
        return "resnet" + depth + " train batch=" + batch;
    }

    /**
     * ResNet-20's convolutions at this batch, each pass alone, through both algorithms (GFLOPS of the
     * convolution's multiply-adds): which algorithm each layer should take on this device. Quick runs take
     * three of them.
     */
    private void convolutionLayers(OpenClBackend gpu, int batch) {
        int[][] layers = { // in, out, size, kernel, stride
            {16, 16, 32, 3, 1}, {32, 32, 16, 3, 1}, {64, 64, 8, 3, 1}, {3, 16, 32, 3, 1}, {16, 32, 32, 3, 2},
            {32, 64, 16, 3, 2}, {16, 32, 32, 1, 2}, {32, 64, 16, 1, 2}};
        Rng rng = new Rng(0);
        for (int l = 0; l < (quick ? 3 : layers.length); l++) {
            int[] c = layers[l];
            int pad = c[3] / 2;
            ConvGeometry g = new ConvGeometry(batch, c[0], c[2], c[2], c[1], c[3], c[3], c[4], c[4], pad, pad, 1, 1, 1);
            Storage x = Storage.wrap(Tensor.randn(rng, batch * c[0] * c[2] * c[2]).toArray());
            Storage w = Storage.wrap(Tensor.randn(rng, c[1] * c[0] * c[3] * c[3]).toArray());
            Storage gy = Storage.wrap(Tensor.randn(rng, batch * c[1] * g.outH() * g.outW()).toArray());
            Storage out = new Storage(batch * c[1] * g.outH() * g.outW());
            Storage gx = new Storage(batch * c[0] * c[2] * c[2]);
            Storage gw = new Storage(c[1] * c[0] * c[3] * c[3]);
            double flops = 2.0 * batch * c[1] * g.outH() * g.outW() * g.patchSize();
            String layer = String.format(Locale.ROOT, "conv %dx%d %d->%d on %dx%d%s, batch %d", c[3], c[3], c[0], c[1],
                    c[2], c[2], c[4] > 1 ? " stride " + c[4] : "", batch);
            String[] passes = {"forward", "input gradient", "weight gradient"};
            Runnable[] bodies = {() -> gpu.conv2d(g, x, w, null, out), () -> gpu.conv2dBackwardInput(g, gy, w, gx),
                () -> gpu.conv2dBackwardWeight(g, x, gy, gw, null)};
            for (int p = 0; p < passes.length; p++) {
                String name = layer + ", " + passes[p];
                Runnable body = bodies[p];
                for (ConvolutionAlgorithm algorithm : ConvolutionAlgorithm.values()) {
                    withConvolutions(algorithm, () -> {
                        double ms = time(name + " (" + algorithm.name().toLowerCase(Locale.ROOT) + ")", body, 0.3);
                        record(name, engineName("opencl"), flops / ms / 1e6, "GFLOPS", ms);
                    });
                }
            }
        }
    }

    /** Inference of resnet{depth} in evaluation mode without a graph. */
    private void inference(Backend backend, int depth, int batch) {
        String name = "resnet" + depth + " infer batch=" + batch;
        try (var scope = Backends.scoped(backend)) {
            Rng rng = new Rng(0);
            ResNet model = ResNets.create("resnet" + depth, 100, rng);
            model.eval();
            Tensor images = Tensor.randn(rng, batch, 3, 32, 32);
            double ms = time(name, () -> {
                try (var ignored = Grad.disabled()) {
                    model.forward(images).sum().item();
                }
            });
            record(name, engineName("opencl"), batch / ms * 1e3, "img/s", ms);
        }
    }

    /** The CC loss (Gaussian-Taylor, P = 2, gamma = 0.4) forward and backward on n x d embeddings. */
    private void ccLoss(Backend backend, int n, int d) {
        String name = "cc loss n=" + n + " d=" + d;
        try (var scope = Backends.scoped(backend)) {
            Rng rng = new Rng(0);
            Tensor student = Tensor.randn(rng, n, d).requiresGrad(true);
            Tensor teacher = Tensor.randn(rng, n, d);
            double ms = time(name, () -> {
                student.zeroGrad();
                CorrelationCongruence.loss(student, teacher).backward();
                student.grad().sum().item();
            });
            record(name, "panagrad opencl", ms, "ms", ms);
        }
    }

    /**
     * What each op pays besides its kernel: an empty launch (a fill of one float), and uploads and
     * downloads of 64 MiB. Recorded as workloads of their own for the README's account of the limits.
     */
    private void launchAndTransferCosts(OpenClBackend backend) {
        Storage one = new Storage(1);
        double launch = time("launch of a one-float fill", () -> {
            for (int i = 0; i < 100; i++) {
                backend.fill(one, 0, 1, i);
            }
        }) / 100;
        record("launch (one-float fill)", "panagrad opencl", launch * 1e3, "us", launch);
        EmptyKernel empty = new EmptyKernel(backend.device());
        try {
            double bare = time("launch of a kernel with two fields", () -> {
                for (int i = 0; i < 100; i++) {
                    empty.launch();
                }
            }) / 100;
            record("launch (kernel with two fields)", "panagrad opencl", bare * 1e3, "us", bare);
        } finally {
            empty.dispose();
        }
        int floats = quick ? 1 << 20 : 16 << 20;
        float[] host = new float[floats];
        Storage moved = Storage.wrap(host);
        Storage target = new Storage(1);
        String size = (floats >> 18) + " MiB";
        double up = time("upload of " + size, () -> {
            moved.array(); // marks the device copy stale, so the next op uploads
            backend.copy(moved, 0, target, 0, 1);
        });
        record("upload " + size, "panagrad opencl", floats * 4.0 / up / 1e6, "GB/s", up);
        double down = time("download of " + size, () -> {
            backend.fill(moved, 0, 1, 0f); // device-current, host stale
            moved.read();
        });
        record("download " + size, "panagrad opencl", floats * 4.0 / down / 1e6, "GB/s", down);
    }

    // ---- timing and results ----------------------------------------------------------------------------

    /** Mean milliseconds of {@code body} after one warm-up run, over at least MIN_SECONDS and MIN_REPS. */
    private double time(String what, Runnable body) {
        return time(what, body, MIN_SECONDS);
    }

    /** As {@link #time(String, Runnable)}, over at least {@code seconds} (quick runs: a tenth of it). */
    private double time(String what, Runnable body, double seconds) {
        OpenClBackend.shared().resetArenaPeak();
        countersBefore = OpenClBackend.shared().counters();
        long t0 = System.nanoTime();
        body.run();
        double warm = (System.nanoTime() - t0) / 1e6;
        runs = 1;
        int reps = 0;
        long start = System.nanoTime();
        double minSeconds = quick ? seconds / 10 : seconds;
        while (reps < MAX_REPS && (reps < MIN_REPS || (System.nanoTime() - start) / 1e9 < minSeconds)) {
            body.run();
            reps++;
            runs++;
        }
        double ms = (System.nanoTime() - start) / 1e6 / reps;
        System.out.printf(Locale.ROOT, "  %-40s %10.3f ms (%d reps; warm-up %.1f ms)%n", what, ms, reps, warm);
        return ms;
    }

    private void record(String workload, String engine, double value, String unit, double ms) {
        String note = engine.endsWith("cpu") ? Parallel.threads() + " threads" : "";
        if (engine.startsWith(GpuReport.OPENCL)) {
            OpenClBackend gpu = OpenClBackend.shared();
            OpenClBackend.Counters c = gpu.counters().since(countersBefore);
            note = String.format(Locale.ROOT, "arena peak %d MiB; per run %d launches, %.2f forced GCs",
                    gpu.arenaUse()[1] >> 18, c.launches() / Math.max(1, runs), c.collections() / (double) Math.max(1, runs));
        }
        results.add(new Measurement(workload, engine, value, unit, ms, note));
    }

    /**
     * Runs one workload; a failure (an exhausted arena, a driver error) is recorded with its message and
     * the run goes on to the next workload.
     */
    private void attempt(String workload, String engine, Runnable body) {
        if (System.nanoTime() >= deadline) {
            System.out.println("  " + workload + " on " + engine + ": skipped, the time budget is spent");
            results.add(new Measurement(workload, engine, Double.NaN, "", Double.NaN, "skipped: time budget"));
            return;
        }
        try {
            body.run();
        } catch (RuntimeException | OutOfMemoryError e) {
            String why = String.valueOf(e.getMessage()).replaceAll("\\s+", " ");
            System.out.println("  " + workload + " on " + engine + " failed: " + e);
            results.add(new Measurement(workload, engine, Double.NaN, "", Double.NaN,
                    "failed: " + why.substring(0, Math.min(why.length(), 160))));
        }
    }

    private void save() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Measurement m : results) {
            sb.append(m.toTsv()).append('\n');
        }
        Files.writeString(out.resolve("panagrad.tsv"), sb.toString());
    }

    /** Writes to two streams at once. */
    private static final class Tee extends java.io.OutputStream {
        private final java.io.OutputStream a;
        private final java.io.OutputStream b;

        Tee(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int x) throws IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public void write(byte[] bytes, int off, int len) throws IOException {
            a.write(bytes, off, len);
            b.write(bytes, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
            b.flush();
        }

        @Override
        public void close() throws IOException {
            flush(); // System.out stays open
        }
    }
}
