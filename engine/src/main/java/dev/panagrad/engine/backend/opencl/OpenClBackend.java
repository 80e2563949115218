package dev.panagrad.engine.backend.opencl;

import com.aparapi.Range;
import com.aparapi.device.OpenCLDevice;
import com.aparapi.exception.CompileFailedException;
import com.aparapi.exception.QueryFailedException;
import com.aparapi.internal.kernel.KernelManager;
import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.backend.BinaryOp;
import dev.panagrad.engine.backend.ConvGeometry;
import dev.panagrad.engine.backend.PoolGeometry;
import dev.panagrad.engine.backend.ReduceOp;
import dev.panagrad.engine.backend.Storage;
import dev.panagrad.engine.backend.UnaryOp;
import dev.panagrad.engine.backend.scalar.ScalarBackend;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * The {@code opencl} backend: every kernel runs on an OpenCL device through Aparapi ({@link OpenClKernel}).
 *
 * <h2>Residency and synchronisation</h2>
 * Device memory is one float arena, allocated on the device once. A {@link Storage} that an op touches
 * gets a region of it ({@link DeviceBuffer}) and keeps it until the storage is released
 * ({@link Storage#release}) or garbage-collected. Each storage records which copy is current:
 * <ul>
 *   <li>an op's inputs are uploaded only if the device copy is not current (new tensors, or tensors
 *       written on the host since); outputs are marked device-current and host-stale, and are uploaded
 *       first only when the op writes part of them;</li>
 *   <li>host code reads through {@link Storage#read()} or {@link Storage#array()}, which download the
 *       values once, when the host copy is stale; {@code array()} also marks the device copy stale,
 *       since the caller may write.</li>
 * </ul>
 * A chain of ops therefore moves no tensor data between host and device; {@code item()},
 * {@code toArray()} and printing copy back. {@link #counters()} counts the transfers. All calls are
 * serialised on the backend, and each op is complete when its call returns (Aparapi's execute waits).
 *
 * <p>Aparapi re-creates a device buffer from its host array when the JVM moves that array. For the
 * arena, whose host array is never updated, that would silently lose every resident tensor on a device
 * with its own memory, so the backend keeps a canary value at offset 0 and checks it on every download.
 * G1, the default collector, never moves arrays as large as the arena.
 *
 * <h2>The parts</h2>
 * This class holds the ops, grouped by family, each in {@code try (Op op = op())} so that outputs are
 * marked and temporaries released in one place. {@link DeviceMemory} keeps the residency rules above,
 * {@link KernelLauncher} runs and times the kernel, and {@link OpenClKernel} holds the device code with
 * one argument setter per op beside it.
 *
 * <h2>Choice of device</h2>
 * {@code -Dpanagrad.opencl.device} (see {@link OpenClDevices#choose(String)}); by default a GPU. The
 * arena's size follows the device's memory ({@link ArenaSize}); {@code -Dpanagrad.opencl.memoryMB} sets
 * it. If there is no OpenCL device, or Aparapi cannot compile the kernel for it, construction fails with
 * what was found; kernels never fall back to Aparapi's Java thread pool.
 */
public final class OpenClBackend implements Backend {
    /** Floats a convolution's column matrix may take before images are processed in chunks (tests lower it). */
    static long columnBudget = 16L << 20;
    /**
     * Whether large products use the 128 x 64 tile: null chooses by device (GPUs and accelerators, whose
     * register files hold its 32 accumulators per thread; on a CPU driver they spill). Tests force it on.
     */
    static volatile Boolean wideGemm;
    /** Work-groups per channel in batch norm's per-channel sums: null chooses by device; tests force more. */
    static volatile Integer batchNormSlices;
    private static volatile OpenClBackend shared;
    private static RuntimeException failure;

    private final OpenCLDevice device;
    private final OpenClKernel kernel = new OpenClKernel();
    private final KernelLauncher launcher;
    private final DeviceMemory memory;
    private final int tile;
    /** Whether the 128 x 64 GEMM tile suits the device (not a CPU driver; see {@link #wideGemm}). */
    private final boolean wideTileSuits;
    private final int group;
    /** The device, arena and tiles, for {@link #describe()}, which adds the convolution algorithm. */
    private final String setup;
    private final ScalarBackend host = new ScalarBackend();

    /**
     * Transfer and launch counts since the backend started. Floats are 4 bytes each. {@code collections}
     * counts the garbage collections the backend asked for because the arena was full: the regions of
     * storages nobody released come back only when the JVM collects them.
     */
    public record Counters(long uploads, long downloads, long uploadedFloats, long downloadedFloats, long launches,
                           long collections) {
        /** The counts since {@code before}. */
        public Counters since(Counters before) {
            return new Counters(uploads - before.uploads, downloads - before.downloads,
                    uploadedFloats - before.uploadedFloats, downloadedFloats - before.downloadedFloats,
                    launches - before.launches, collections - before.collections);
        }
    }

    /**
     * The process's OpenCL backend, created on first use on the device that {@code panagrad.opencl.device}
     * names. One per process, since tensors keep their regions of its arena.
     */
    public static OpenClBackend shared() {
        OpenClBackend b = shared;
        if (b == null) {
            synchronized (OpenClBackend.class) {
                if (failure != null) {
                    throw new IllegalStateException(failure.getMessage(), failure);
                }
                if (shared == null) {
                    try {
                        shared = new OpenClBackend(OpenClDevices.choose(System.getProperty("panagrad.opencl.device")),
                                Integer.getInteger("panagrad.opencl.memoryMB"));
                    } catch (RuntimeException e) {
                        failure = e; // do not retry (and reallocate the arena) on every call
                        throw e;
                    }
                }
                b = shared;
            }
        }
        return b;
    }

    /** Whether an OpenCL device is available (without creating the backend). */
    public static boolean available() {
        try {
            return !OpenClDevices.all().isEmpty();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    private OpenClBackend(OpenCLDevice device, Integer memoryMB) {
        this.device = device;
        ArenaSize size = ArenaSize.choose(device.getGlobalMemSize(), device.getMaxMemAllocSize(),
                Runtime.getRuntime().maxMemory(), memoryMB);
        int floats = (int) size.floats();
        kernel.setExplicit(true);
        kernel.mem = new float[floats];
        LinkedHashSet<com.aparapi.device.Device> preferred = new LinkedHashSet<>();
        preferred.add(device);
        KernelManager.instance().setPreferredDevices(kernel, preferred);
        try {
            kernel.compile(device);
        } catch (CompileFailedException e) {
            kernel.dispose();
            throw new IllegalStateException("opencl backend: Aparapi could not build the kernels for "
                    + OpenClDevices.describe(device) + ": " + e.getMessage(), e);
        }
        int maxGroup = device.getMaxWorkGroupSize();
        try {
            maxGroup = Math.min(maxGroup, kernel.getKernelMaxWorkGroupSize(device));
        } catch (QueryFailedException e) {
            // keep the device's limit
        }
        int[] itemSizes = device.getMaxWorkItemSize();
        if (itemSizes != null && itemSizes.length > 1) {
            maxGroup = Math.min(maxGroup, Math.min(itemSizes[0], itemSizes[1]) * Math.min(itemSizes[0], itemSizes[1]));
        }
        long localBytes = device.getLocalMemSize();
        long needed16 = 4L * (kernel.tileA.length + kernel.tileB.length + kernel.red.length);
        this.tile = maxGroup >= 256 && localBytes >= needed16 ? 16 : 8;
        this.wideTileSuits = device.getType() != com.aparapi.device.Device.TYPE.CPU;
        if (maxGroup < KernelLauncher.LOCAL_1D) {
            throw new IllegalStateException("opencl backend: " + OpenClDevices.describe(device)
                    + " allows work-groups of " + maxGroup + " items; the kernels need " + KernelLauncher.LOCAL_1D);
        }
        this.group = Integer.highestOneBit(Math.min(maxGroup, OpenClKernel.MAX_GROUP));
        kernel.ts = tile;
        kernel.group = group;
        this.launcher = new KernelLauncher(kernel, device, group);
        this.memory = new DeviceMemory(this, launcher, floats);
        boolean wide = wideTileSuits && tile == 16;
        this.setup = String.format(Locale.ROOT, "opencl (%s; arena %d MiB, limited by %s; GEMM tile %dx%d%s, work-group %d",
                OpenClDevices.describe(device), size.mebibytes(), size.limit(), 4 * tile, 4 * tile,
                wide ? " and 128x64 for large products" : "", group);
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String describe() {
        return setup + ", convolutions " + convolutionAlgorithm.name().toLowerCase(Locale.ROOT) + ")";
    }

    /** The device the kernels run on. */
    public OpenCLDevice device() {
        return device;
    }

    /** Transfers and launches so far. */
    public synchronized Counters counters() {
        return new Counters(memory.uploads(), memory.downloads(), memory.uploadedFloats(), memory.downloadedFloats(),
                launcher.launches(), memory.collections());
    }

    /**
     * Floats of the arena in use by live tensors and temporaries, the most in use since the start or the
     * last {@link #resetArenaPeak()}, and the arena's capacity.
     */
    public synchronized long[] arenaUse() {
        return memory.use();
    }

    /** One kernel's launches and the time from their start to their return, which includes the wait. */
    public record KernelTime(String kernel, long launches, long nanos) {
    }

    /**
     * Time per kernel since the start or the last {@link #resetKernelTimes()}, the most first. Every
     * launch waits for its kernel, so this is device time plus the cost of one launch each.
     */
    public synchronized List<KernelTime> kernelTimes() {
        return launcher.times();
    }

    /** Restarts {@link #kernelTimes()} from zero. */
    public synchronized void resetKernelTimes() {
        launcher.resetTimes();
    }

    /** Starts a new peak of {@link #arenaUse()} from what is in use now. */
    public synchronized void resetArenaPeak() {
        memory.resetPeak();
    }

    // ---- one op's launches ---------------------------------------------------------------------------

    /**
     * The storages and temporaries of one op: every launcher below runs in {@code try (Op op = op())}.
     * Storages it writes are named through {@link #out} or {@link #inOut} and marked device-written when
     * the op closes, once a kernel has run; its temporaries go back to the arena on close, whatever
     * happened. No launcher marks or releases anything by hand.
     */
    private final class Op implements AutoCloseable {
        private final List<Storage> written = new ArrayList<>(4);
        private final List<long[]> temporaries = new ArrayList<>(2);
        private boolean ran;

        /** An input: its arena offset, uploaded first when the device copy is stale. */
        int in(Storage s) {
            return memory.input(s);
        }

        /** An output that the op writes {@code overwritesAll} of, or part of (then its other values are kept). */
        int out(Storage s, boolean overwritesAll) {
            written.add(s);
            return memory.output(s, overwritesAll);
        }

        /** A storage the op reads and then updates in place. */
        int inOut(Storage s) {
            written.add(s);
            return memory.input(s);
        }

        /** {@code size} floats of the arena for the op's intermediate values. */
        int temporary(long size, String what) {
            int at = memory.temporary(size, what);
            temporaries.add(new long[] {at, size});
            return at;
        }

        /** One thread per element. */
        void elements(int code, int count) {
            launcher.elements(code, count);
            ran = true;
        }

        /** One work-group per output. */
        void groups(int code, int groups) {
            launcher.groups(code, groups);
            ran = true;
        }

        /** A range of the op's own. */
        void execute(int code, Range range) {
            launcher.execute(code, range);
            ran = true;
        }

        @Override
        public void close() {
            for (long[] t : temporaries) {
                memory.release((int) t[0], t[1]);
            }
            if (ran) {
                for (Storage s : written) {
                    s.markDeviceWritten();
                }
            }
        }
    }

    private Op op() {
        return new Op();
    }

    private static int numel(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    private static boolean rankFits(int[] shape) {
        return shape.length <= OpenClKernel.MAX_RANK;
    }

    private static int unaryCode(UnaryOp op) {
        return switch (op) {
            case NEG -> OpenClKernel.U_NEG;
            case AFFINE -> OpenClKernel.U_AFFINE;
            case EXP -> OpenClKernel.U_EXP;
            case LOG -> OpenClKernel.U_LOG;
            case SQRT -> OpenClKernel.U_SQRT;
            case POW -> OpenClKernel.U_POW;
            case ABS -> OpenClKernel.U_ABS;
            case RELU -> OpenClKernel.U_RELU;
            case SIGMOID -> OpenClKernel.U_SIGMOID;
            case TANH -> OpenClKernel.U_TANH;
            case CLAMP -> OpenClKernel.U_CLAMP;
        };
    }

    private static int binaryCode(BinaryOp op) {
        return switch (op) {
            case ADD -> OpenClKernel.B_ADD;
            case SUB -> OpenClKernel.B_SUB;
            case MUL -> OpenClKernel.B_MUL;
            case DIV -> OpenClKernel.B_DIV;
            case MAX -> OpenClKernel.B_MAX;
            case MIN -> OpenClKernel.B_MIN;
            case GT -> OpenClKernel.B_GT;
            case GE -> OpenClKernel.B_GE;
            case LT -> OpenClKernel.B_LT;
            case LE -> OpenClKernel.B_LE;
            case EQ -> OpenClKernel.B_EQ;
            case NE -> OpenClKernel.B_NE;
        };
    }

    private static int reduceCode(ReduceOp op) {
        return switch (op) {
            case SUM -> OpenClKernel.R_SUM;
            case MAX -> OpenClKernel.R_MAX;
            case MIN -> OpenClKernel.R_MIN;
        };
    }

    // ---- element-wise --------------------------------------------------------------------------------

    @Override
    public synchronized void fill(Storage dst, int offset, int count, float value) {
        try (Op op = op()) {
            kernel.fillArgs(op.out(dst, offset == 0 && count >= dst.size()) + offset, value);
            op.elements(OpenClKernel.FILL, count);
        }
    }

    @Override
    public synchronized void copy(Storage src, int srcOffset, Storage dst, int dstOffset, int count) {
        if (count <= 0) {
            return;
        }
        try (Op op = op()) {
            if (src == dst && Math.abs(srcOffset - dstOffset) < count && srcOffset != dstOffset) {
                int s = op.inOut(src);
                int tmp = op.temporary(count, "an overlapping copy");
                kernel.copyArgs(s + srcOffset, tmp);
                op.elements(OpenClKernel.COPY, count);
                kernel.copyArgs(tmp, s + dstOffset);
                op.elements(OpenClKernel.COPY, count);
            } else {
                int s = op.in(src);
                kernel.copyArgs(s + srcOffset, op.out(dst, dstOffset == 0 && count >= dst.size()) + dstOffset);
                op.elements(OpenClKernel.COPY, count);
            }
        }
    }

    @Override
    public synchronized void stridedCopy(int[] shape, Storage src, int srcOffset, int[] srcStrides,
                                         Storage dst, int dstOffset, int[] dstStrides) {
        int count = numel(shape);
        if (count == 0) {
            return;
        }
        if (!rankFits(shape) || src == dst) {
            host.stridedCopy(shape, src, srcOffset, srcStrides, dst, dstOffset, dstStrides);
            return;
        }
        try (Op op = op()) {
            int s = op.in(src);
            int d = op.out(dst, dstOffset == 0 && count >= dst.size());
            launcher.meta(shape, OpenClKernel.META_SHAPE);
            launcher.meta(srcStrides, OpenClKernel.META_STRIDES_A);
            launcher.meta(dstStrides, OpenClKernel.META_STRIDES_B);
            launcher.sendMeta();
            kernel.stridedCopyArgs(s + srcOffset, d + dstOffset, shape.length);
            op.elements(OpenClKernel.STRIDED_COPY, count);
        }
    }

    @Override
    public synchronized void unary(UnaryOp op, float p, float q, Storage x, Storage y, int count) {
        try (Op o = op()) {
            kernel.unaryArgs(o.in(x), o.out(y, count >= y.size()), unaryCode(op), p, q);
            o.elements(OpenClKernel.UNARY, count);
        }
    }

    @Override
    public synchronized void unaryBackward(UnaryOp op, float p, float q, Storage x, Storage y, Storage gy,
                                           Storage gx, int count) {
        try (Op o = op()) {
            kernel.unaryBackwardArgs(o.in(x), o.in(y), o.in(gy), o.out(gx, count >= gx.size()), unaryCode(op), p, q);
            o.elements(OpenClKernel.UNARY_BACKWARD, count);
        }
    }

    @Override
    public synchronized void binary(BinaryOp op, int[] shape, Storage a, int[] aStrides, Storage b, int[] bStrides,
                                    Storage out) {
        int count = numel(shape);
        if (count == 0) {
            return;
        }
        if (!rankFits(shape)) {
            host.binary(op, shape, a, aStrides, b, bStrides, out);
            return;
        }
        try (Op o = op()) {
            int ao = o.in(a);
            int bo = o.in(b);
            int outAt = o.out(out, count >= out.size());
            launcher.meta(shape, OpenClKernel.META_SHAPE);
            launcher.meta(aStrides, OpenClKernel.META_STRIDES_A);
            launcher.meta(bStrides, OpenClKernel.META_STRIDES_B);
            launcher.sendMeta();
            kernel.binaryArgs(ao, bo, outAt, binaryCode(op), shape.length);
            o.elements(OpenClKernel.BINARY, count);
        }
    }

    @Override
    public synchronized void axpy(int count, float alpha, Storage x, Storage y) {
        try (Op op = op()) {
            kernel.axpyArgs(op.in(x), op.inOut(y), alpha);
            op.elements(OpenClKernel.AXPY, count);
        }
    }

    @Override
    public synchronized void select(int[] shape, Storage cond, int[] condStrides, Storage a, int[] aStrides,
                                    Storage b, int[] bStrides, Storage out) {
        int count = numel(shape);
        if (count == 0) {
            return;
        }
        if (!rankFits(shape)) {
            host.select(shape, cond, condStrides, a, aStrides, b, bStrides, out);
            return;
        }
        try (Op op = op()) {
            int co = op.in(cond);
            int ao = op.in(a);
            int bo = op.in(b);
            int outAt = op.out(out, count >= out.size());
            launcher.meta(shape, OpenClKernel.META_SHAPE);
            launcher.meta(condStrides, OpenClKernel.META_STRIDES_A);
            launcher.meta(aStrides, OpenClKernel.META_STRIDES_B);
            launcher.meta(bStrides, OpenClKernel.META_STRIDES_C);
            launcher.sendMeta();
            kernel.selectArgs(co, ao, bo, outAt, shape.length);
            op.elements(OpenClKernel.SELECT, count);
        }
    }

    @Override
    public synchronized void reduce(ReduceOp op, Storage x, int outer, int size, int inner, Storage out) {
        int outputs = outer * inner;
        if (outputs == 0) {
            return;
        }
        try (Op o = op()) {
            kernel.reduceArgs(o.in(x), o.out(out, outputs >= out.size()), reduceCode(op), outer, size, inner, op.identity());
            // Long reductions with few outputs: a work-group per output; otherwise a thread per output.
            if (size >= 4L * group && outputs < 4096) {
                o.groups(OpenClKernel.REDUCE_GROUPS, outputs);
            } else {
                o.elements(OpenClKernel.REDUCE_ROWS, outputs);
            }
        }
    }

    @Override
    public synchronized void sgdStep(int count, Storage param, Storage grad, Storage momentumBuffer, boolean first,
                                     float lr, float weightDecay, float momentum, float dampening, boolean nesterov) {
        try (Op op = op()) {
            int b = momentumBuffer == null ? 0 : first ? op.out(momentumBuffer, true) : op.inOut(momentumBuffer);
            kernel.sgdArgs(op.inOut(param), op.in(grad), b, momentumBuffer != null, first, nesterov, lr, weightDecay,
                    momentum, dampening);
            op.elements(OpenClKernel.SGD_STEP, count);
        }
    }

    /** One launch for all the tensors, located by a table in the index stage (Backend's default: one per tensor). */
    @Override
    public synchronized void sgdSteps(int[] counts, Storage[] params, Storage[] grads, Storage[] momentumBuffers,
                                      boolean[] first, float lr, float weightDecay, float momentum, float dampening,
                                      boolean nesterov) {
        int tensors = counts.length;
        if (tensors <= 1 || params.length != tensors || grads.length != tensors || first.length != tensors
                || momentumBuffers != null && momentumBuffers.length != tensors) {
            Backend.super.sgdSteps(counts, params, grads, momentumBuffers, first, lr, weightDecay, momentum, dampening,
                    nesterov); // one tensor needs no table; mismatched arrays get the default's message
            return;
        }
        int[] table = new int[tensors + 1 + 4 * tensors];
        long total = 0;
        try (Op op = op()) {
            for (int t = 0; t < tensors; t++) {
                table[t] = (int) total;
                total += counts[t];
                table[tensors + 1 + t] = op.inOut(params[t]);
                table[tensors + 1 + tensors + t] = op.in(grads[t]);
                Storage b = momentumBuffers == null ? null : momentumBuffers[t];
                table[tensors + 1 + 2 * tensors + t] = b == null ? 0 : first[t] ? op.out(b, true) : op.inOut(b);
                table[tensors + 1 + 3 * tensors + t] = first[t] ? 1 : 0;
            }
            if (total > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("sgdSteps: " + total + " elements in " + tensors
                        + " tensors; one launch takes at most " + Integer.MAX_VALUE);
            }
            table[tensors] = (int) total;
            launcher.indices(table);
            kernel.sgdStepsArgs(tensors, momentumBuffers != null, nesterov, lr, weightDecay, momentum, dampening);
            op.elements(OpenClKernel.SGD_STEPS, (int) total);
        }
    }

    @Override
    public synchronized void polynomialDifference(float[] coefficients, Storage a, Storage b, int count,
                                                  Storage squared, Storage weighted) {
        if (count == 0) {
            return;
        }
        try (Op op = op()) {
            kernel.polynomialDifferenceArgs(op.in(a), op.in(b), op.out(squared, count >= squared.size()),
                    op.out(weighted, count >= weighted.size()), coefficients.length - 1);
            kernel.stage = coefficients.clone();
            kernel.put(kernel.stage);
            try {
                op.elements(OpenClKernel.POLYNOMIAL_DIFFERENCE, count);
            } finally {
                kernel.stage = new float[1];
            }
        }
    }

    // ---- matrix product ------------------------------------------------------------------------------

    @Override
    public synchronized void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                  Storage a, int aOffset, int lda, Storage b, int bOffset, int ldb,
                                  float beta, Storage c, int cOffset, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        try (Op op = op()) {
            int ao = op.in(a);
            int bo = op.in(b);
            int co = beta != 0f ? op.inOut(c) : op.out(c, cOffset == 0 && ldc == n && (long) m * n >= c.size());
            gemmAt(op, OpenClKernel.GEMM, layout(transA), layout(transB), m, n, k, alpha, ao + aOffset, lda,
                    bo + bOffset, ldb, beta, co + cOffset, ldc);
        }
    }

    /** Whether an m x n product gets the 128 x 64 tile: the device suits it and every compute unit gets a block. */
    private boolean useWideTile(int m, int n) {
        Boolean forced = wideGemm;
        boolean suited = forced != null ? forced : wideTileSuits;
        return suited && tile == 16 && m >= 128 && n >= 64
                && (long) ((m + 127) / 128) * ((n + 63) / 64) >= device.getMaxComputeUnits();
    }

    private static int layout(boolean transposed) {
        return transposed ? OpenClKernel.MATRIX_TRANSPOSED : OpenClKernel.MATRIX;
    }

    /**
     * The GEMM on arena offsets, its operands in the kernel's layouts ({@link OpenClKernel#MATRIX} ...);
     * {@code code} is GEMM, or CONVOLUTION_GEMM for gathered operands (counted apart in the kernel
     * times). Few output blocks and a long k leave most of a device idle, so then k is split: each
     * slice's partial product goes to a temporary, and a second kernel sums the slices in order (no
     * atomics, so the result does not depend on scheduling). A product written as NCHW
     * ({@link OpenClKernel#PATCHES}) has an output position per column, so enough columns not to split.
     */
    private void gemmAt(Op op, int code, int aLayout, int bLayout, int m, int n, int k, float alpha, int a, int lda,
                        int b, int ldb, float beta, int c, int ldc) {
        kernel.gemmArgs(aLayout, bLayout, m, n, k, a, lda, b, ldb);
        boolean matrices = aLayout <= OpenClKernel.MATRIX_TRANSPOSED && bLayout <= OpenClKernel.MATRIX_TRANSPOSED;
        if (matrices && useWideTile(m, n)) {
            // Enough 128 x 64 blocks to give every compute unit one: the wide tile, no split k.
            kernel.gemmOutputArgs(c, ldc, alpha, beta, 0);
            op.execute(OpenClKernel.GEMM_WIDE, device.createRange2D((n + 63) / 64 * 16, (m + 127) / 128 * 16, 16, 16));
            return;
        }
        int rowsPerThread = m <= 2 * tile ? 1 : 4;
        int blocksX = (n + 4 * tile - 1) / (4 * tile);
        int blocksY = (m + rowsPerThread * tile - 1) / (rowsPerThread * tile);
        int wanted = 4 * device.getMaxComputeUnits();
        int slices = 1;
        if (blocksX * blocksY < wanted && k >= 512 && bLayout != OpenClKernel.PATCHES) {
            slices = Math.min((wanted + blocksX * blocksY - 1) / (blocksX * blocksY), k / 256);
        }
        int chunk = Math.max(tile, ((k + slices - 1) / slices + tile - 1) / tile * tile);
        slices = Math.max(1, (k + chunk - 1) / chunk);
        kernel.gemmTileArgs(tile, rowsPerThread, Math.max(chunk, 1));
        if (slices == 1) {
            kernel.gemmOutputArgs(c, ldc, alpha, beta, 0);
            op.execute(code, device.createRange3D(blocksX * tile, blocksY * tile, 1, tile, tile, 1));
            return;
        }
        int partials = op.temporary((long) slices * m * n, "split-k partial products");
        kernel.gemmOutputArgs(partials, n, 1f, 0f, m * n);
        op.execute(code, device.createRange3D(blocksX * tile, blocksY * tile, slices, tile, tile, 1));
        kernel.splitKSumArgs(partials, c, m, n, slices, ldc, alpha, beta);
        op.elements(OpenClKernel.SPLIT_K_SUM, m * n);
    }

    // ---- softmax -------------------------------------------------------------------------------------

    @Override
    public synchronized void softmax(Storage x, Storage y, int outer, int size, int inner, boolean log) {
        try (Op op = op()) {
            kernel.softmaxArgs(op.in(x), op.out(y, (long) outer * size * inner >= y.size()), outer, size, inner, log);
            op.elements(OpenClKernel.SOFTMAX, outer * inner);
        }
    }

    @Override
    public synchronized void softmaxBackward(Storage y, Storage gy, Storage gx, int outer, int size, int inner,
                                             boolean log) {
        try (Op op = op()) {
            kernel.softmaxBackwardArgs(op.in(y), op.in(gy), op.out(gx, (long) outer * size * inner >= gx.size()), outer,
                    size, inner, log);
            op.elements(OpenClKernel.SOFTMAX_BACKWARD, outer * inner);
        }
    }

    // ---- indexing ------------------------------------------------------------------------------------

    @Override
    public synchronized void indexSelect(Storage x, int outer, int size, int inner, int[] index, Storage out) {
        int count = outer * index.length * inner;
        if (count == 0) {
            return;
        }
        checkIndices("indexSelect", index, size);
        try (Op op = op()) {
            kernel.indexSelectArgs(op.in(x), op.out(out, count >= out.size()), outer, size, inner, index.length);
            launcher.indices(index);
            op.elements(OpenClKernel.INDEX_SELECT, count);
        }
    }

    @Override
    public synchronized void indexAdd(Storage g, int outer, int size, int inner, int[] index, Storage gx) {
        if (outer * inner == 0 || index.length == 0) {
            return;
        }
        checkIndices("indexAdd", index, size);
        try (Op op = op()) {
            kernel.indexSelectArgs(op.in(g), op.inOut(gx), outer, size, inner, index.length);
            launcher.indices(index);
            op.elements(OpenClKernel.INDEX_ADD, outer * inner);
        }
    }

    @Override
    public synchronized void gather(int[] indexShape, int dim, int[] index, Storage x, int[] xStrides, Storage out) {
        if (index.length == 0) {
            return;
        }
        if (!rankFits(indexShape)) {
            host.gather(indexShape, dim, index, x, xStrides, out);
            return;
        }
        try (Op op = op()) {
            kernel.gatherArgs(op.in(x), op.out(out, index.length >= out.size()), dim, indexShape.length);
            launcher.indices(index);
            launcher.meta(indexShape, OpenClKernel.META_SHAPE);
            launcher.meta(xStrides, OpenClKernel.META_STRIDES_A);
            launcher.sendMeta();
            op.elements(OpenClKernel.GATHER, index.length);
        }
    }

    @Override
    public synchronized void scatterAdd(int[] indexShape, int dim, int[] index, Storage g, Storage gx,
                                        int[] gxStrides) {
        if (index.length == 0) {
            return;
        }
        if (!rankFits(indexShape)) {
            host.scatterAdd(indexShape, dim, index, g, gx, gxStrides);
            return;
        }
        try (Op op = op()) {
            kernel.gatherArgs(op.in(g), op.inOut(gx), dim, indexShape.length);
            launcher.indices(index);
            launcher.meta(indexShape, OpenClKernel.META_SHAPE);
            launcher.meta(gxStrides, OpenClKernel.META_STRIDES_A);
            launcher.sendMeta();
            op.elements(OpenClKernel.SCATTER_ADD, index.length / indexShape[dim]);
        }
    }

    private static void checkIndices(String op, int[] index, int size) {
        for (int j = 0; j < index.length; j++) {
            if (index[j] < 0 || index[j] >= size) {
                throw new IndexOutOfBoundsException(op + ": index " + index[j] + " at position " + j
                        + " is out of range for a dimension of size " + size);
            }
        }
    }

    // ---- convolution ---------------------------------------------------------------------------------

    /**
     * How the backend runs convolutions; {@code -Dpanagrad.opencl.convolution=implicit|columns} chooses,
     * {@link #useConvolutionAlgorithm} changes it at run time (to compare the two in one process).
     */
    public enum ConvolutionAlgorithm {
        /**
         * One GEMM per group whose operands the kernel reads where they lie: the forward pass multiplies the
         * weights by the input's patches and writes NCHW; the weight gradient multiplies the output gradient
         * by the transposed patches; the input gradient of a stride-1 convolution is the forward pass of
         * the output gradient with the weights read flipped. No column matrix is written: one launch per
         * group, and no temporaries.
         */
        IMPLICIT,
        /**
         * Through column matrices in the arena, in chunks of images: im2col, GEMM and a copy into NCHW; the
         * input gradient by GEMM and col2im. Input gradients with a stride, or with more padding than the
         * kernel spans, take this path under either choice.
         */
        COLUMNS
    }

    private static volatile ConvolutionAlgorithm convolutionAlgorithm =
            convolutionAlgorithm(System.getProperty("panagrad.opencl.convolution", "implicit"));

    static ConvolutionAlgorithm convolutionAlgorithm(String name) {
        for (ConvolutionAlgorithm a : ConvolutionAlgorithm.values()) {
            if (a.name().equalsIgnoreCase(name.strip())) {
                return a;
            }
        }
        throw new IllegalArgumentException("panagrad.opencl.convolution: '" + name
                + "' is not a convolution algorithm of the opencl backend (implicit, columns)");
    }

    /** The convolution algorithm of every OpenCL backend from now on. */
    public static void useConvolutionAlgorithm(ConvolutionAlgorithm algorithm) {
        convolutionAlgorithm = java.util.Objects.requireNonNull(algorithm, "algorithm");
    }

    /** The convolution algorithm in use. */
    public static ConvolutionAlgorithm convolutionAlgorithm() {
        return convolutionAlgorithm;
    }

    /** The meta array of one group of a convolution, images n0 to n0 + images - 1 (see OpenClKernel). */
    private static int[] convolutionMeta(ConvGeometry g, int grp, int n0, int images, boolean withBias) {
        return new int[] {g.inChannels(), g.inH(), g.inW(), g.kernelH(), g.kernelW(), g.strideH(), g.strideW(),
                g.padH(), g.padW(), g.dilationH(), g.dilationW(), g.outH(), g.outW(), g.groupInChannels(),
                grp * g.groupInChannels(), images, n0, g.outChannels(), g.groupOutChannels(),
                grp * g.groupOutChannels(), withBias ? 1 : 0};
    }

    /** The groups of a convolution over the whole batch, each with its geometry in meta. */
    private void forEachGroup(ConvGeometry g, boolean withBias, java.util.function.IntConsumer body) {
        for (int grp = 0; grp < g.groups(); grp++) {
            launcher.meta(convolutionMeta(g, grp, 0, g.batch(), withBias), 0);
            launcher.sendMeta();
            body.accept(grp);
        }
    }

    /** Images per chunk, so that a chunk's column matrix stays within the column budget. */
    private static int chunk(ConvGeometry g) {
        long perImage = (long) g.patchSize() * g.outH() * g.outW();
        return (int) Math.max(1, Math.min(g.batch(), columnBudget / Math.max(1, perImage)));
    }

    /** One chunk of images of one group: its first image, its image count and its column count. */
    private interface ConvChunk {
        void run(int group, int firstImage, int images, int columns);
    }

    /**
     * The chunks of a convolution, group by group, each with its geometry in meta. The column temporaries
     * the three passes allocate hold one chunk: rows times {@link #chunkColumns} floats.
     */
    private void forEachChunk(ConvGeometry g, ConvChunk body) {
        int per = chunk(g);
        int positions = g.outH() * g.outW();
        for (int grp = 0; grp < g.groups(); grp++) {
            for (int n0 = 0; n0 < g.batch(); n0 += per) {
                int images = Math.min(per, g.batch() - n0);
                launcher.meta(convolutionMeta(g, grp, n0, images, false), 0);
                launcher.sendMeta();
                body.run(grp, n0, images, images * positions);
            }
        }
    }

    /** The columns of the largest chunk: its images' output positions. */
    private static long chunkColumns(ConvGeometry g) {
        return (long) chunk(g) * g.outH() * g.outW();
    }

    @Override
    public synchronized void conv2d(ConvGeometry g, Storage x, Storage weight, Storage bias, Storage out) {
        try (Op op = op()) {
            int xo = op.in(x);
            int wo = op.in(weight);
            int bo = bias == null ? 0 : op.in(bias);
            int oo = op.out(out, true);
            if (convolutionAlgorithm == ConvolutionAlgorithm.IMPLICIT) {
                convolveImplicit(op, g, OpenClKernel.MATRIX, xo, wo, bias != null, bo, oo);
                return;
            }
            int k = g.patchSize();
            int og = g.groupOutChannels();
            int col = op.temporary(k * chunkColumns(g), "convolution columns");
            int tmp = op.temporary(og * chunkColumns(g), "convolution output columns");
            forEachChunk(g, (grp, n0, images, cols) -> {
                kernel.columnsArgs(xo, col);
                op.elements(OpenClKernel.IM2COL, cols);
                gemmAt(op, OpenClKernel.GEMM, OpenClKernel.MATRIX, OpenClKernel.MATRIX, og, cols, k, 1f,
                        wo + grp * og * k, k, col, cols, 0f, tmp, cols);
                kernel.columnsToNchwArgs(tmp, oo, bo, bias != null);
                op.elements(OpenClKernel.COLUMNS_TO_NCHW, cols);
            });
        }
    }

    /**
     * out = conv(x, w) (+ bias), group by group: the weights [group out-channels, patch] times the input's
     * patches [patch, (image, oy, ox)], written as NCHW (OpenClKernel.gemmTile). The weights are read as
     * {@code weightLayout}: a matrix, or another convolution's weights flipped for its input gradient.
     */
    private void convolveImplicit(Op op, ConvGeometry g, int weightLayout, int xo, int wo, boolean withBias, int bo,
                                  int oo) {
        int k = g.patchSize();
        int og = g.groupOutChannels();
        int columns = g.batch() * g.outH() * g.outW();
        forEachGroup(g, withBias, grp -> {
            kernel.convolutionOutputArgs(bo);
            gemmAt(op, OpenClKernel.CONVOLUTION_GEMM, weightLayout, OpenClKernel.PATCHES, og, columns, k, 1f,
                    wo + grp * og * k, k, xo, 0, 0f, oo, 0);
        });
    }

    /**
     * Whether the input gradient is a forward convolution of the output gradient: with stride 1, each
     * input position gathers the output gradient through the flipped kernel, padded by d (k - 1) - pad,
     * which must not be negative.
     */
    private static boolean inputGradientIsConvolution(ConvGeometry g) {
        return g.strideH() == 1 && g.strideW() == 1 && g.padH() <= g.dilationH() * (g.kernelH() - 1)
                && g.padW() <= g.dilationW() * (g.kernelW() - 1);
    }

    /**
     * The convolution that gives g's input gradient (stride 1): over the output gradient, from g's out- to
     * its in-channels, with the flipped weights and the complementary padding. Its output is g's input size.
     */
    static ConvGeometry inputGradientGeometry(ConvGeometry g) {
        return new ConvGeometry(g.batch(), g.outChannels(), g.outH(), g.outW(), g.inChannels(), g.kernelH(),
                g.kernelW(), 1, 1, g.dilationH() * (g.kernelH() - 1) - g.padH(),
                g.dilationW() * (g.kernelW() - 1) - g.padW(), g.dilationH(), g.dilationW(), g.groups());
    }

    @Override
    public synchronized void conv2dBackwardInput(ConvGeometry g, Storage gradOut, Storage weight, Storage gradX) {
        try (Op op = op()) {
            int go = op.in(gradOut);
            int wo = op.in(weight);
            int xo = op.out(gradX, true);
            int k = g.patchSize();
            int og = g.groupOutChannels();
            if (convolutionAlgorithm == ConvolutionAlgorithm.IMPLICIT && inputGradientIsConvolution(g)) {
                convolveImplicit(op, inputGradientGeometry(g), OpenClKernel.FLIPPED_WEIGHTS, go, wo, false, 0, xo);
                return;
            }
            int gcol = op.temporary(k * chunkColumns(g), "convolution column gradients");
            int gyt = op.temporary(og * chunkColumns(g), "convolution output-gradient columns");
            forEachChunk(g, (grp, n0, images, cols) -> {
                kernel.columnsArgs(go, gyt);
                op.elements(OpenClKernel.NCHW_TO_COLUMNS, cols);
                gemmAt(op, OpenClKernel.GEMM, OpenClKernel.MATRIX_TRANSPOSED, OpenClKernel.MATRIX, k, cols, og, 1f,
                        wo + grp * og * k, k, gyt, cols, 0f, gcol, cols);
                kernel.columnsArgs(gcol, xo);
                op.elements(OpenClKernel.COL2IM, images * g.groupInChannels() * g.inH() * g.inW());
            });
        }
    }

    @Override
    public synchronized void conv2dBackwardWeight(ConvGeometry g, Storage x, Storage gradOut, Storage gradWeight,
                                                  Storage gradBias) {
        try (Op op = op()) {
            int xo = op.in(x);
            int go = op.in(gradOut);
            int wo = op.out(gradWeight, true);
            int k = g.patchSize();
            int og = g.groupOutChannels();
            if (convolutionAlgorithm == ConvolutionAlgorithm.IMPLICIT) {
                // The output gradient [group out-channels, (image, oy, ox)] times the transposed patches.
                int positions = g.batch() * g.outH() * g.outW();
                forEachGroup(g, false, grp -> gemmAt(op, OpenClKernel.CONVOLUTION_GEMM, OpenClKernel.OUTPUT_GRADIENT,
                        OpenClKernel.PATCHES_TRANSPOSED, og, k, positions, 1f, go, 0, xo, 0, 0f, wo + grp * og * k, k));
            } else {
                int col = op.temporary(k * chunkColumns(g), "convolution columns");
                int gyt = op.temporary(og * chunkColumns(g), "convolution output-gradient columns");
                forEachChunk(g, (grp, n0, images, cols) -> {
                    kernel.columnsArgs(xo, col);
                    op.elements(OpenClKernel.IM2COL, cols);
                    kernel.columnsArgs(go, gyt);
                    op.elements(OpenClKernel.NCHW_TO_COLUMNS, cols);
                    // Chunks accumulate in order: beta 0 for the first, 1 after.
                    gemmAt(op, OpenClKernel.GEMM, OpenClKernel.MATRIX, OpenClKernel.MATRIX_TRANSPOSED, og, k, cols, 1f,
                            gyt, cols, col, cols, n0 == 0 ? 0f : 1f, wo + grp * og * k, k);
                });
            }
            if (gradBias != null) {
                kernel.channelSumArgs(go, op.out(gradBias, true), g.batch(), g.outChannels(), g.outH() * g.outW());
                op.groups(OpenClKernel.CHANNEL_SUM, g.outChannels());
            }
        }
    }

    // ---- pooling -------------------------------------------------------------------------------------

    private void poolMeta(PoolGeometry g) {
        launcher.meta(new int[] {g.inH(), g.inW(), g.kernelH(), g.kernelW(), g.strideH(), g.strideW(), g.padH(), g.padW(),
                g.outH(), g.outW()}, 0);
        launcher.sendMeta();
    }

    @Override
    public synchronized void maxPool2d(PoolGeometry g, Storage x, Storage out) {
        int count = g.planes() * g.outH() * g.outW();
        try (Op op = op()) {
            kernel.poolArgs(op.in(x), op.out(out, count >= out.size()), 1f);
            poolMeta(g);
            op.elements(OpenClKernel.MAX_POOL, count);
        }
    }

    @Override
    public synchronized void maxPool2dBackward(PoolGeometry g, Storage x, Storage gradOut, Storage gradX) {
        int count = g.planes() * g.inH() * g.inW();
        try (Op op = op()) {
            kernel.maxPoolBackwardArgs(op.in(x), op.in(gradOut), op.out(gradX, count >= gradX.size()));
            poolMeta(g);
            op.elements(OpenClKernel.MAX_POOL_BACKWARD, count);
        }
    }

    @Override
    public synchronized void avgPool2d(PoolGeometry g, Storage x, Storage out) {
        int count = g.planes() * g.outH() * g.outW();
        try (Op op = op()) {
            kernel.poolArgs(op.in(x), op.out(out, count >= out.size()), 1f / (g.kernelH() * g.kernelW()));
            poolMeta(g);
            op.elements(OpenClKernel.AVG_POOL, count);
        }
    }

    @Override
    public synchronized void avgPool2dBackward(PoolGeometry g, Storage gradOut, Storage gradX) {
        int count = g.planes() * g.inH() * g.inW();
        try (Op op = op()) {
            kernel.poolArgs(op.in(gradOut), op.out(gradX, count >= gradX.size()), 1f / (g.kernelH() * g.kernelW()));
            poolMeta(g);
            op.elements(OpenClKernel.AVG_POOL_BACKWARD, count);
        }
    }

    @Override
    public synchronized void adaptiveAvgPool2d(int planes, int inH, int inW, int outH, int outW, Storage x,
                                               Storage out) {
        int count = planes * outH * outW;
        try (Op op = op()) {
            kernel.adaptivePoolArgs(op.in(x), op.out(out, count >= out.size()), inH, inW, outH, outW);
            op.elements(OpenClKernel.ADAPTIVE_POOL, count);
        }
    }

    @Override
    public synchronized void adaptiveAvgPool2dBackward(int planes, int inH, int inW, int outH, int outW,
                                                       Storage gradOut, Storage gradX) {
        int count = planes * inH * inW;
        try (Op op = op()) {
            kernel.adaptivePoolArgs(op.in(gradOut), op.out(gradX, count >= gradX.size()), inH, inW, outH, outW);
            op.elements(OpenClKernel.ADAPTIVE_POOL_BACKWARD, count);
        }
    }

    // ---- batch normalisation (the math: engine.ops.BatchNormalization) --------------------------------

    /** A channel's values cut into {@code count} slices of {@code length} (the last may be shorter). */
    private record ChannelSlices(int length, int count) {
    }

    /**
     * Work-groups per channel for batch norm's per-channel sums: one per channel leaves a GPU idle where
     * the channels are fewer than its compute units (16 channels on 132), so a channel's values are cut
     * into slices until every compute unit has four work-groups, each slice at least 8 values per thread.
     * {@link #batchNormSlices} forces the count (tests).
     */
    private ChannelSlices channelSlices(int channels, int values) {
        Integer forced = batchNormSlices;
        int slices;
        if (forced != null) {
            slices = forced;
        } else {
            int wanted = 4 * device.getMaxComputeUnits();
            slices = Math.min((wanted + channels - 1) / channels, values / (8 * group));
        }
        slices = Math.max(1, Math.min(slices, values));
        int length = (values + slices - 1) / slices;
        return new ChannelSlices(length, (values + length - 1) / length);
    }

    @Override
    public synchronized void batchNormStatistics(Storage x, int batch, int channels, int spatial, Storage mean,
                                                 Storage variance) {
        try (Op op = op()) {
            ChannelSlices slices = channelSlices(channels, batch * spatial);
            int partials = slices.count() == 1 ? -1
                    : op.temporary(3L * channels * slices.count(), "batch-norm statistics of slices");
            int mo = op.out(mean, channels >= mean.size());
            int vo = op.out(variance, channels >= variance.size());
            statisticsSums(op, x, batch, channels, spatial, slices, partials, mo, vo);
            if (slices.count() > 1) {
                kernel.bnCombineStatisticsArgs(mo, vo, slices.count(), partials);
                op.elements(OpenClKernel.BN_COMBINE_STATISTICS, channels);
            }
        }
    }

    /**
     * Two launches: the sums, in slices as {@link #batchNormStatistics} cuts them, then one thread per
     * channel for the rest (Backend's definition is three calls, four or five launches here).
     */
    @Override
    public synchronized void batchNormTraining(Storage x, int batch, int channels, int spatial, float eps,
                                               float momentum, Storage gamma, Storage beta, Storage runningMean,
                                               Storage runningVar, Storage mean, Storage variance, Storage invStd,
                                               Storage scale, Storage shift) {
        try (Op op = op()) {
            int values = batch * spatial;
            ChannelSlices slices = channelSlices(channels, values);
            int partials = op.temporary(3L * channels * slices.count(), "batch-norm statistics of slices");
            int mo = op.out(mean, channels >= mean.size());
            int vo = op.out(variance, channels >= variance.size());
            statisticsSums(op, x, batch, channels, spatial, slices, partials, mo, vo);
            boolean running = runningMean != null && runningVar != null;
            kernel.bnTrainingArgs(partials, slices.count(), mo, vo, gamma == null ? -1 : op.in(gamma),
                    beta == null ? -1 : op.in(beta), eps, op.out(invStd, channels >= invStd.size()),
                    op.out(scale, channels >= scale.size()), op.out(shift, channels >= shift.size()),
                    running ? op.inOut(runningMean) : -1, running ? op.inOut(runningVar) : -1, momentum,
                    values / (values - 1f));
            op.elements(OpenClKernel.BN_TRAINING_CHANNELS, channels);
        }
    }

    /**
     * BN_STATISTICS over x's slices: the mean and variance at {@code mo} and {@code vo} when {@code partials}
     * is negative (one slice), else each slice's count, mean and squared deviations at {@code partials}.
     */
    private void statisticsSums(Op op, Storage x, int batch, int channels, int spatial, ChannelSlices slices,
                                int partials, int mo, int vo) {
        kernel.bnStatisticsArgs(op.in(x), mo, vo, batch, channels, spatial, slices.count(), slices.length(), partials);
        op.groups(OpenClKernel.BN_STATISTICS, channels * slices.count());
    }

    /** One kernel (Backend's definition is five). */
    @Override
    public synchronized void batchNormScaleShift(int channels, Storage mean, Storage variance, Storage gamma,
                                                 Storage beta, float eps, Storage invStd, Storage scale, Storage shift) {
        try (Op op = op()) {
            kernel.bnScaleShiftArgs(op.in(mean), op.in(variance), gamma == null ? -1 : op.in(gamma),
                    beta == null ? -1 : op.in(beta), eps, op.out(invStd, channels >= invStd.size()),
                    op.out(scale, channels >= scale.size()), op.out(shift, channels >= shift.size()));
            op.elements(OpenClKernel.BN_SCALE_SHIFT, channels);
        }
    }

    /** One kernel (Backend's definition is four). */
    @Override
    public synchronized void batchNormRunningUpdate(int channels, float momentum, Storage mean, Storage variance,
                                                    float varianceFactor, Storage runningMean, Storage runningVar) {
        try (Op op = op()) {
            kernel.bnRunningUpdateArgs(op.in(mean), op.in(variance), op.inOut(runningMean), op.inOut(runningVar), momentum,
                    varianceFactor);
            op.elements(OpenClKernel.BN_RUNNING_UPDATE, channels);
        }
    }

    @Override
    public synchronized void channelAffine(Storage x, int batch, int channels, int spatial, Storage scale,
                                           Storage shift, Storage y) {
        channelAffine(x, batch, channels, spatial, scale, shift, y, false);
    }

    /** Fused: the ReLU in the same pass (Backend's definition is two kernels). */
    @Override
    public synchronized void channelAffineRelu(Storage x, int batch, int channels, int spatial, Storage scale,
                                               Storage shift, Storage y) {
        channelAffine(x, batch, channels, spatial, scale, shift, y, true);
    }

    private void channelAffine(Storage x, int batch, int channels, int spatial, Storage scale, Storage shift, Storage y,
                               boolean relu) {
        int count = batch * channels * spatial;
        try (Op op = op()) {
            kernel.channelAffineArgs(op.in(x), op.in(scale), op.in(shift), op.out(y, count >= y.size()), channels, spatial,
                    relu);
            op.elements(OpenClKernel.CHANNEL_AFFINE, count);
        }
    }

    /** Fused: one kernel (Backend's definition is two). */
    @Override
    public synchronized void addRelu(Storage a, Storage b, Storage out, int count) {
        if (count <= 0) {
            return;
        }
        try (Op op = op()) {
            int ao = out == a ? op.inOut(a) : op.in(a);
            int bo = op.in(b);
            kernel.addReluArgs(ao, bo, out == a ? ao : op.out(out, count >= out.size()));
            op.elements(OpenClKernel.ADD_RELU, count);
        }
    }

    @Override
    public synchronized void batchNormBackward(Storage x, Storage gradOut, int batch, int channels, int spatial,
                                               Storage mean, Storage invStd, Storage gamma, boolean training,
                                               Storage gradX, Storage gradGamma, Storage gradBeta) {
        batchNormBackward(x, null, gradOut, batch, channels, spatial, mean, invStd, gamma, training, gradX, gradGamma,
                gradBeta);
    }

    /** Fused: the two batch-norm kernels read the gradient through the ReLU's mask; the masked gradient is never written. */
    @Override
    public synchronized void batchNormReluBackward(Storage x, Storage y, Storage gradOut, int batch, int channels,
                                                   int spatial, Storage mean, Storage invStd, Storage gamma,
                                                   boolean training, Storage gradX, Storage gradGamma,
                                                   Storage gradBeta) {
        batchNormBackward(x, y, gradOut, batch, channels, spatial, mean, invStd, gamma, training, gradX, gradGamma,
                gradBeta);
    }

    /** {@link #batchNormBackward}, of the gradient masked by {@code reluOutput > 0} unless that is null. */
    private void batchNormBackward(Storage x, Storage reluOutput, Storage gradOut, int batch, int channels, int spatial,
                                   Storage mean, Storage invStd, Storage gamma, boolean training, Storage gradX,
                                   Storage gradGamma, Storage gradBeta) {
        try (Op op = op()) {
            int xo = op.in(x);
            int yo = reluOutput == null ? -1 : op.in(reluOutput);
            int go = op.in(gradOut);
            int mo = op.in(mean);
            int io = op.in(invStd);
            int gammaAt = gamma == null ? 0 : op.in(gamma);
            // The two sums per channel are beta's and gamma's gradients: written where those are, when asked for.
            int sumDy = gradBeta != null ? op.out(gradBeta, channels >= gradBeta.size())
                    : op.temporary(channels, "batch-norm sum of dy");
            int sumDyXhat = gradGamma != null ? op.out(gradGamma, channels >= gradGamma.size())
                    : op.temporary(channels, "batch-norm sum of dy xhat");
            ChannelSlices slices = channelSlices(channels, batch * spatial);
            int partials = slices.count() == 1 ? 0
                    : op.temporary(2L * channels * slices.count(), "batch-norm gradient sums of slices");
            kernel.bnBackwardSumsArgs(xo, go, mo, io, sumDy, sumDyXhat, batch, channels, spatial, yo, slices.count(),
                    slices.length(), partials);
            op.groups(OpenClKernel.BN_BACKWARD_SUMS, channels * slices.count());
            if (slices.count() > 1) {
                kernel.bnCombineSumsArgs(partials, slices.count(), sumDy, sumDyXhat);
                op.elements(OpenClKernel.BN_COMBINE_SUMS, channels);
            }
            if (gradX != null) {
                int count = batch * channels * spatial;
                kernel.bnBackwardInputArgs(xo, go, mo, io, sumDy, sumDyXhat, op.out(gradX, count >= gradX.size()), batch,
                        channels, spatial, gammaAt, gamma != null, training, yo);
                op.elements(OpenClKernel.BN_BACKWARD_INPUT, count);
            }
        }
    }
}
