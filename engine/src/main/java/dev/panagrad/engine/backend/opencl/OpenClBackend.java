package dev.panagrad.engine.backend.opencl;

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
import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code opencl} backend: every kernel runs on an OpenCL device through Aparapi ({@link OpenClKernel}).
 *
 * <h2>Residency and synchronisation</h2>
 * Device memory is one float arena, allocated on the device once. A {@link Storage} that an op touches
 * gets a region of it ({@link DeviceBuffer}) and keeps it until the storage is garbage-collected. Each
 * storage records which copy is current:
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
 * <h2>Choice of device</h2>
 * {@code -Dpanagrad.opencl.device} (see {@link OpenClDevices#choose(String)}); by default a GPU. The
 * arena's size follows the device's memory ({@link ArenaSize}); {@code -Dpanagrad.opencl.memoryMB} sets
 * it. If there is no OpenCL device, or Aparapi cannot compile the kernel for it, construction fails with
 * what was found; kernels never fall back to Aparapi's Java thread pool.
 */
public final class OpenClBackend implements Backend {
    private static final int LOCAL_1D = 64;
    /** Floats a convolution's column matrix may take before images are processed in chunks (tests lower it). */
    static long columnBudget = 16L << 20;
    /**
     * Whether large products use the 128 x 64 tile: null chooses by device (GPUs and accelerators, whose
     * register files hold its 32 accumulators per thread; on a CPU driver they spill). Tests force it on.
     */
    static volatile Boolean wideGemm;
    private static volatile OpenClBackend shared;
    private static RuntimeException failure;

    private final OpenCLDevice device;
    private final OpenClKernel kernel = new OpenClKernel();
    private final DeviceArena arena;
    private final int tile;
    /** Whether the 128 x 64 GEMM tile suits the device (not a CPU driver; see {@link #wideGemm}). */
    private final boolean wideTileSuits;
    private final int group;
    private final String description;
    private final ScalarBackend host = new ScalarBackend();
    private final ReferenceQueue<Storage> collected = new ReferenceQueue<>();
    private final Set<Region> live = new HashSet<>();
    private final int[] lastMeta = new int[OpenClKernel.META_LENGTH];
    private boolean metaOnDevice;
    private long uploads;
    private long downloads;
    private long uploadedFloats;
    private long downloadedFloats;
    private long launches;
    private long collections;
    /** Per op code: launches and the nanoseconds from each launch to its return (the kernel and its wait). */
    private final long[] launchNanos = new long[64];
    private final long[] launchCounts = new long[64];

    /** Releases a collected storage's region. */
    private static final class Region extends PhantomReference<Storage> {
        final int offset;
        final int length;

        Region(Storage s, int offset, int length, ReferenceQueue<Storage> q) {
            super(s, q);
            this.offset = offset;
            this.length = length;
        }
    }

    /**
     * Transfer and launch counts since the backend started. Floats are 4 bytes each. {@code collections}
     * counts the garbage collections the backend asked for because the arena was full: regions come back
     * only when the JVM collects their storages.
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
        if (maxGroup < 64) {
            throw new IllegalStateException("opencl backend: " + OpenClDevices.describe(device)
                    + " allows work-groups of " + maxGroup + " items; the kernels need 64");
        }
        this.group = Integer.highestOneBit(Math.min(maxGroup, OpenClKernel.MAX_GROUP));
        this.arena = new DeviceArena(floats, DeviceArena.ALIGN);
        kernel.ts = tile;
        kernel.group = group;
        kernel.put(kernel.mem);
        kernel.put(kernel.meta);
        kernel.f0 = OpenClKernel.CANARY_VALUE;
        launchOp(OpenClKernel.CANARY, 1);
        checkCanary();
        boolean wide = wideTileSuits && tile == 16;
        this.description = String.format(Locale.ROOT, "opencl (%s; arena %d MiB, limited by %s; GEMM tile %dx%d%s, work-group %d)",
                OpenClDevices.describe(device), size.mebibytes(), size.limit(), 4 * tile, 4 * tile,
                wide ? " and 128x64 for large products" : "", group);
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String describe() {
        return description;
    }

    /** The device the kernels run on. */
    public OpenCLDevice device() {
        return device;
    }

    /** Transfers and launches so far. */
    public synchronized Counters counters() {
        return new Counters(uploads, downloads, uploadedFloats, downloadedFloats, launches, collections);
    }

    /**
     * Floats of the arena in use by live tensors and temporaries, the most in use since the start or the
     * last {@link #resetArenaPeak()}, and the arena's capacity.
     */
    public synchronized long[] arenaUse() {
        drainCollected();
        return new long[] {arena.used(), arena.peak(), arena.capacity()};
    }

    /** One kernel's launches and the time from their start to their return, which includes the wait. */
    public record KernelTime(String kernel, long launches, long nanos) {
    }

    /**
     * Time per kernel since the start or the last {@link #resetKernelTimes()}, the most first. Every
     * launch waits for its kernel, so this is device time plus the cost of one launch each.
     */
    public synchronized java.util.List<KernelTime> kernelTimes() {
        java.util.List<KernelTime> out = new java.util.ArrayList<>();
        for (int code = 0; code < launchNanos.length; code++) {
            if (launchCounts[code] > 0) {
                out.add(new KernelTime(OpenClKernel.opName(code), launchCounts[code], launchNanos[code]));
            }
        }
        out.sort(java.util.Comparator.comparingLong(KernelTime::nanos).reversed());
        return out;
    }

    /** Restarts {@link #kernelTimes()} from zero. */
    public synchronized void resetKernelTimes() {
        Arrays.fill(launchNanos, 0);
        Arrays.fill(launchCounts, 0);
    }

    /** Starts a new peak of {@link #arenaUse()} from what is in use now. */
    public synchronized void resetArenaPeak() {
        drainCollected();
        arena.resetPeak();
    }

    // ---- residency -----------------------------------------------------------------------------------

    private DeviceBuffer buffer(Storage s) {
        if (s.device() instanceof DeviceBuffer b && b.owner == this) {
            return b;
        }
        if (s.device() != null) {
            s.read(); // another device holds it: bring the values home first
        }
        int offset = allocate(s.size(), "a tensor of " + s.size() + " floats");
        DeviceBuffer b = new DeviceBuffer(this, offset, s.size());
        live.add(new Region(s, offset, s.size(), collected));
        s.attach(b);
        return b;
    }

    /** The arena offset of an input, uploaded first if the device copy is not current. */
    private int in(Storage s) {
        DeviceBuffer b = buffer(s);
        if (!s.isDeviceCurrent()) {
            bringToDevice(s, b);
        }
        return b.offset;
    }

    /** Uploads the host values, or fills the region with zeros for a storage whose host array was never needed. */
    private void bringToDevice(Storage s, DeviceBuffer b) {
        if (s.hostArrayAllocated()) {
            upload(s.hostArrayForUpload(), b.offset);
        } else {
            int saved = kernel.o0;
            float savedScalar = kernel.f0;
            kernel.o0 = b.offset;
            kernel.f0 = 0f;
            launchOp(OpenClKernel.FILL, s.size());
            kernel.o0 = saved;
            kernel.f0 = savedScalar;
        }
        s.markUploaded();
    }

    /**
     * The arena offset of an output. Unless the op overwrites all of it, a stale device copy is uploaded
     * first so that the elements the op leaves alone keep their values.
     */
    private int out(Storage s, boolean overwritesAll) {
        DeviceBuffer b = buffer(s);
        if (!s.isDeviceCurrent() && !overwritesAll) {
            bringToDevice(s, b);
        }
        return b.offset;
    }

    private void upload(float[] values, int offset) {
        if (values.length == 0) {
            return;
        }
        int saved = kernel.o0; // uploads happen while an op's parameters are being set
        kernel.stage = values;
        kernel.put(kernel.stage);
        kernel.o0 = offset;
        launchOp(OpenClKernel.UPLOAD, values.length);
        kernel.stage = new float[1];
        kernel.o0 = saved;
        uploads++;
        uploadedFloats += values.length;
    }

    synchronized void download(DeviceBuffer b, float[] host) {
        if (host.length == 0) {
            return;
        }
        int saved = kernel.o0;
        float savedScalar = kernel.f0;
        kernel.stage = host;
        kernel.o0 = b.offset;
        launchOp(OpenClKernel.DOWNLOAD, host.length);
        kernel.get(kernel.stage);
        kernel.stage = new float[1];
        downloads++;
        downloadedFloats += host.length;
        checkCanary();
        kernel.o0 = saved;
        kernel.f0 = savedScalar;
    }

    private void checkCanary() {
        kernel.f0 = 0f;
        launchOp(OpenClKernel.CANARY, 1);
        kernel.get(kernel.meta);
        int seen = kernel.meta[OpenClKernel.META_LENGTH - 1];
        if (seen != (int) OpenClKernel.CANARY_VALUE) {
            throw new IllegalStateException("opencl backend: the device arena was re-created from its stale host "
                    + "copy (the JVM moved the arena array), so resident tensors are lost; run with -XX:+UseG1GC, "
                    + "which does not move arrays this large");
        }
        metaOnDevice = false; // meta[63] differs from lastMeta now; re-send on next use
    }

    private int allocate(int size, String what) {
        drainCollected();
        int at = arena.allocate(size);
        // Regions come back only when the JVM has collected their storages, and tensors that live on the
        // device hold no host memory to make it collect: so ask for a collection, then take the regions
        // as the reference handler queues them, waiting up to 10, 20, 40, ... ms for each attempt.
        for (int attempt = 0; at < 0 && attempt < 5; attempt++) {
            System.gc();
            collections++;
            long until = System.nanoTime() + (10_000_000L << attempt);
            while (at < 0 && System.nanoTime() < until) {
                try {
                    Reference<? extends Storage> r = collected.remove(1);
                    if (r != null) {
                        releaseRegion((Region) r);
                        drainCollected();
                        at = arena.allocate(size);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (at < 0) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "opencl backend: device arena exhausted allocating %s (%d of %d MiB in use); "
                            + "raise -Dpanagrad.opencl.memoryMB", what, arena.used() >> 18, arena.capacity() >> 18));
        }
        return at;
    }

    private void drainCollected() {
        Reference<? extends Storage> r;
        while ((r = collected.poll()) != null) {
            releaseRegion((Region) r);
        }
    }

    private void releaseRegion(Region region) {
        if (live.remove(region)) {
            arena.release(region.offset, region.length);
        }
    }

    private int temporary(long size, String what) {
        if (size > Integer.MAX_VALUE - 64) {
            throw new IllegalStateException("opencl backend: " + what + " needs " + size + " floats, over 2^31");
        }
        return allocate((int) size, what);
    }

    private void release(int offset, long size) {
        arena.release(offset, (int) size);
    }

    // ---- launching -----------------------------------------------------------------------------------

    private void launchOp(int op, int count) {
        if (count <= 0) {
            return;
        }
        kernel.op = op;
        kernel.n = count;
        int global = (count + LOCAL_1D - 1) / LOCAL_1D * LOCAL_1D;
        execute(device.createRange(global, LOCAL_1D));
    }

    private void launchGroups(int op, int groups) {
        if (groups <= 0) {
            return;
        }
        kernel.op = op;
        kernel.n = groups;
        kernel.group = group;
        execute(device.createRange(groups * group, group));
    }

    private void execute(com.aparapi.Range range) {
        long start = System.nanoTime();
        kernel.execute(range);
        int code = kernel.op;
        if (code >= 0 && code < launchNanos.length) {
            launchNanos[code] += System.nanoTime() - start;
            launchCounts[code]++;
        }
        launches++;
        if (!kernel.isRunningCL()) {
            throw new IllegalStateException("opencl backend: Aparapi did not run the kernel on "
                    + OpenClDevices.describe(device) + " (it fell back to " + kernel.getExecutionMode()
                    + "); refusing to continue on the Java thread pool");
        }
    }

    private void meta(int[] values, int at) {
        System.arraycopy(values, 0, kernel.meta, at, values.length);
    }

    private void sendMeta() {
        if (!metaOnDevice || !Arrays.equals(kernel.meta, lastMeta)) {
            kernel.put(kernel.meta);
            System.arraycopy(kernel.meta, 0, lastMeta, 0, lastMeta.length);
            metaOnDevice = true;
        }
    }

    private void indices(int[] index) {
        kernel.istage = index;
        kernel.put(kernel.istage);
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
        int d = out(dst, offset == 0 && count >= dst.size());
        kernel.o0 = d + offset;
        kernel.f0 = value;
        launchOp(OpenClKernel.FILL, count);
        dst.markDeviceWritten();
    }

    @Override
    public synchronized void copy(Storage src, int srcOffset, Storage dst, int dstOffset, int count) {
        if (count <= 0) {
            return;
        }
        int s = in(src);
        if (src == dst && Math.abs(srcOffset - dstOffset) < count && srcOffset != dstOffset) {
            int tmp = temporary(count, "an overlapping copy");
            kernel.o0 = s + srcOffset;
            kernel.o1 = tmp;
            launchOp(OpenClKernel.COPY, count);
            kernel.o0 = tmp;
            kernel.o1 = s + dstOffset;
            launchOp(OpenClKernel.COPY, count);
            release(tmp, count);
        } else {
            int d = out(dst, dstOffset == 0 && count >= dst.size());
            kernel.o0 = s + srcOffset;
            kernel.o1 = d + dstOffset;
            launchOp(OpenClKernel.COPY, count);
        }
        dst.markDeviceWritten();
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
        int s = in(src);
        int d = out(dst, dstOffset == 0 && count >= dst.size());
        meta(shape, OpenClKernel.META_SHAPE);
        meta(srcStrides, OpenClKernel.META_STRIDES_A);
        meta(dstStrides, OpenClKernel.META_STRIDES_B);
        sendMeta();
        kernel.o0 = s + srcOffset;
        kernel.o1 = d + dstOffset;
        kernel.i0 = shape.length;
        launchOp(OpenClKernel.STRIDED_COPY, count);
        dst.markDeviceWritten();
    }

    @Override
    public synchronized void unary(UnaryOp op, float p, float q, Storage x, Storage y, int count) {
        kernel.o0 = in(x);
        kernel.o1 = out(y, count >= y.size());
        kernel.i0 = unaryCode(op);
        kernel.f0 = p;
        kernel.f1 = q;
        launchOp(OpenClKernel.UNARY, count);
        y.markDeviceWritten();
    }

    @Override
    public synchronized void unaryBackward(UnaryOp op, float p, float q, Storage x, Storage y, Storage gy,
                                           Storage gx, int count) {
        kernel.o0 = in(x);
        kernel.o1 = in(y);
        kernel.o2 = in(gy);
        kernel.o3 = out(gx, count >= gx.size());
        kernel.i0 = unaryCode(op);
        kernel.f0 = p;
        kernel.f1 = q;
        launchOp(OpenClKernel.UNARY_BACKWARD, count);
        gx.markDeviceWritten();
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
        kernel.o0 = in(a);
        kernel.o1 = in(b);
        kernel.o2 = out(out, count >= out.size());
        meta(shape, OpenClKernel.META_SHAPE);
        meta(aStrides, OpenClKernel.META_STRIDES_A);
        meta(bStrides, OpenClKernel.META_STRIDES_B);
        sendMeta();
        kernel.i0 = binaryCode(op);
        kernel.i1 = shape.length;
        launchOp(OpenClKernel.BINARY, count);
        out.markDeviceWritten();
    }

    @Override
    public synchronized void axpy(int count, float alpha, Storage x, Storage y) {
        kernel.o0 = in(x);
        kernel.o1 = in(y);
        kernel.f0 = alpha;
        launchOp(OpenClKernel.AXPY, count);
        y.markDeviceWritten();
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
        kernel.o0 = in(cond);
        kernel.o1 = in(a);
        kernel.o2 = in(b);
        kernel.o3 = out(out, count >= out.size());
        meta(shape, OpenClKernel.META_SHAPE);
        meta(condStrides, OpenClKernel.META_STRIDES_A);
        meta(aStrides, OpenClKernel.META_STRIDES_B);
        meta(bStrides, OpenClKernel.META_STRIDES_C);
        sendMeta();
        kernel.i0 = shape.length;
        launchOp(OpenClKernel.SELECT, count);
        out.markDeviceWritten();
    }

    @Override
    public synchronized void reduce(ReduceOp op, Storage x, int outer, int size, int inner, Storage out) {
        int outputs = outer * inner;
        if (outputs == 0) {
            return;
        }
        kernel.o0 = in(x);
        kernel.o1 = out(out, outputs >= out.size());
        kernel.i0 = reduceCode(op);
        kernel.i1 = outer;
        kernel.i2 = size;
        kernel.i3 = inner;
        kernel.f0 = op.identity();
        // Long reductions with few outputs: a work-group per output; otherwise a thread per output.
        if (size >= 4L * group && outputs < 4096) {
            launchGroups(OpenClKernel.REDUCE_GROUPS, outputs);
        } else {
            launchOp(OpenClKernel.REDUCE_ROWS, outputs);
        }
        out.markDeviceWritten();
    }

    @Override
    public synchronized void sgdStep(int count, Storage param, Storage grad, Storage momentumBuffer, boolean first,
                                     float lr, float weightDecay, float momentum, float dampening, boolean nesterov) {
        kernel.o0 = in(param);
        kernel.o1 = in(grad);
        kernel.o2 = momentumBuffer == null ? 0 : first ? out(momentumBuffer, true) : in(momentumBuffer);
        kernel.i0 = momentumBuffer == null ? 0 : 1;
        kernel.i1 = first ? 1 : 0;
        kernel.i2 = nesterov ? 1 : 0;
        kernel.f0 = lr;
        kernel.f1 = weightDecay;
        kernel.f2 = momentum;
        kernel.f3 = dampening;
        launchOp(OpenClKernel.SGD_STEP, count);
        param.markDeviceWritten();
        if (momentumBuffer != null) {
            momentumBuffer.markDeviceWritten();
        }
    }

    @Override
    public synchronized void polynomialDifference(float[] coefficients, Storage a, Storage b, int count,
                                                  Storage squared, Storage weighted) {
        if (count == 0) {
            return;
        }
        kernel.o0 = in(a);
        kernel.o1 = in(b);
        kernel.o2 = out(squared, count >= squared.size());
        kernel.o3 = out(weighted, count >= weighted.size());
        kernel.i0 = coefficients.length - 1;
        kernel.stage = coefficients.clone();
        kernel.put(kernel.stage);
        try {
            launchOp(OpenClKernel.POLYNOMIAL_DIFFERENCE, count);
        } finally {
            kernel.stage = new float[1];
        }
        squared.markDeviceWritten();
        weighted.markDeviceWritten();
    }

    // ---- matrix product ------------------------------------------------------------------------------

    @Override
    public synchronized void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                  Storage a, int aOffset, int lda, Storage b, int bOffset, int ldb,
                                  float beta, Storage c, int cOffset, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        int ao = in(a);
        int bo = in(b);
        int co = beta != 0f ? in(c) : out(c, cOffset == 0 && ldc == n && (long) m * n >= c.size());
        gemmAt(transA, transB, m, n, k, alpha, ao + aOffset, lda, bo + bOffset, ldb, beta, co + cOffset, ldc);
        c.markDeviceWritten();
    }

    /** A and B of op(A) op(B), m x k times k x n, for both GEMM kernels: o0 A, o1 B; i0 transA ... i6 ldb. */
    private void gemmOperands(boolean transA, boolean transB, int m, int n, int k, int a, int lda, int b, int ldb) {
        kernel.o0 = a;
        kernel.o1 = b;
        kernel.i0 = transA ? 1 : 0;
        kernel.i1 = transB ? 1 : 0;
        kernel.i2 = m;
        kernel.i3 = n;
        kernel.i4 = k;
        kernel.i5 = lda;
        kernel.i6 = ldb;
    }

    /** Whether an m x n product gets the 128 x 64 tile: the device suits it and every compute unit gets a block. */
    private boolean useWideTile(int m, int n) {
        Boolean forced = wideGemm;
        boolean suited = forced != null ? forced : wideTileSuits;
        return suited && tile == 16 && m >= 128 && n >= 64
                && (long) ((m + 127) / 128) * ((n + 63) / 64) >= device.getMaxComputeUnits();
    }

    /**
     * The GEMM on arena offsets. Few output blocks and a long k leave most of a device idle, so then k
     * is split: each slice's partial product goes to a temporary, and a second kernel sums the slices in
     * order (no atomics, so the result does not depend on scheduling).
     */
    private void gemmAt(boolean transA, boolean transB, int m, int n, int k, float alpha, int a, int lda,
                        int b, int ldb, float beta, int c, int ldc) {
        gemmOperands(transA, transB, m, n, k, a, lda, b, ldb);
        if (useWideTile(m, n)) {
            // Enough 128 x 64 blocks to give every compute unit one: the wide tile, no split k.
            kernel.o2 = c;
            kernel.i7 = ldc;
            kernel.f0 = alpha;
            kernel.f1 = beta;
            kernel.op = OpenClKernel.GEMM_WIDE;
            execute(device.createRange2D((n + 63) / 64 * 16, (m + 127) / 128 * 16, 16, 16));
            return;
        }
        int rowsPerThread = m <= 2 * tile ? 1 : 4;
        int blocksX = (n + 4 * tile - 1) / (4 * tile);
        int blocksY = (m + rowsPerThread * tile - 1) / (rowsPerThread * tile);
        int wanted = 4 * device.getMaxComputeUnits();
        int slices = 1;
        if (blocksX * blocksY < wanted && k >= 512) {
            slices = Math.min((wanted + blocksX * blocksY - 1) / (blocksX * blocksY), k / 256);
        }
        int chunk = Math.max(tile, ((k + slices - 1) / slices + tile - 1) / tile * tile);
        slices = Math.max(1, (k + chunk - 1) / chunk);
        kernel.i8 = Math.max(chunk, 1);
        kernel.ts = tile;
        kernel.rp = rowsPerThread;
        kernel.op = OpenClKernel.GEMM;
        if (slices == 1) {
            kernel.o2 = c;
            kernel.i7 = ldc;
            kernel.i9 = 0;
            kernel.f0 = alpha;
            kernel.f1 = beta;
            execute(device.createRange3D(blocksX * tile, blocksY * tile, 1, tile, tile, 1));
            return;
        }
        long partialSize = (long) slices * m * n;
        int partials = temporary(partialSize, "split-k partial products");
        kernel.o2 = partials;
        kernel.i7 = n;
        kernel.i9 = m * n;
        kernel.f0 = 1f;
        kernel.f1 = 0f;
        execute(device.createRange3D(blocksX * tile, blocksY * tile, slices, tile, tile, 1));
        kernel.o0 = partials;
        kernel.o1 = c;
        kernel.i2 = m;
        kernel.i3 = n;
        kernel.i4 = slices;
        kernel.i7 = ldc;
        kernel.f0 = alpha;
        kernel.f1 = beta;
        launchOp(OpenClKernel.SPLIT_K_SUM, m * n);
        release(partials, partialSize);
    }

    // ---- softmax -------------------------------------------------------------------------------------

    @Override
    public synchronized void softmax(Storage x, Storage y, int outer, int size, int inner, boolean log) {
        kernel.o0 = in(x);
        kernel.o1 = out(y, (long) outer * size * inner >= y.size());
        kernel.i0 = outer;
        kernel.i1 = size;
        kernel.i2 = inner;
        kernel.i3 = log ? 1 : 0;
        launchOp(OpenClKernel.SOFTMAX, outer * inner);
        y.markDeviceWritten();
    }

    @Override
    public synchronized void softmaxBackward(Storage y, Storage gy, Storage gx, int outer, int size, int inner,
                                             boolean log) {
        kernel.o0 = in(y);
        kernel.o1 = in(gy);
        kernel.o2 = out(gx, (long) outer * size * inner >= gx.size());
        kernel.i0 = outer;
        kernel.i1 = size;
        kernel.i2 = inner;
        kernel.i3 = log ? 1 : 0;
        launchOp(OpenClKernel.SOFTMAX_BACKWARD, outer * inner);
        gx.markDeviceWritten();
    }

    // ---- indexing ------------------------------------------------------------------------------------

    @Override
    public synchronized void indexSelect(Storage x, int outer, int size, int inner, int[] index, Storage out) {
        int count = outer * index.length * inner;
        if (count == 0) {
            return;
        }
        checkIndices("indexSelect", index, size);
        kernel.o0 = in(x);
        kernel.o1 = out(out, count >= out.size());
        indices(index);
        kernel.i0 = outer;
        kernel.i1 = size;
        kernel.i2 = inner;
        kernel.i3 = index.length;
        launchOp(OpenClKernel.INDEX_SELECT, count);
        out.markDeviceWritten();
    }

    @Override
    public synchronized void indexAdd(Storage g, int outer, int size, int inner, int[] index, Storage gx) {
        if (outer * inner == 0 || index.length == 0) {
            return;
        }
        checkIndices("indexAdd", index, size);
        kernel.o0 = in(g);
        kernel.o1 = in(gx);
        indices(index);
        kernel.i0 = outer;
        kernel.i1 = size;
        kernel.i2 = inner;
        kernel.i3 = index.length;
        launchOp(OpenClKernel.INDEX_ADD, outer * inner);
        gx.markDeviceWritten();
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
        kernel.o0 = in(x);
        kernel.o1 = out(out, index.length >= out.size());
        indices(index);
        meta(indexShape, OpenClKernel.META_SHAPE);
        meta(xStrides, OpenClKernel.META_STRIDES_A);
        sendMeta();
        kernel.i0 = dim;
        kernel.i1 = indexShape.length;
        launchOp(OpenClKernel.GATHER, index.length);
        out.markDeviceWritten();
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
        kernel.o0 = in(g);
        kernel.o1 = in(gx);
        indices(index);
        meta(indexShape, OpenClKernel.META_SHAPE);
        meta(gxStrides, OpenClKernel.META_STRIDES_A);
        sendMeta();
        kernel.i0 = dim;
        kernel.i1 = indexShape.length;
        launchOp(OpenClKernel.SCATTER_ADD, index.length / indexShape[dim]);
        gx.markDeviceWritten();
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

    /** Images per chunk, so that a chunk's column matrix stays within the column budget. */
    private static int chunk(ConvGeometry g) {
        long perImage = (long) g.patchSize() * g.outH() * g.outW();
        return (int) Math.max(1, Math.min(g.batch(), columnBudget / Math.max(1, perImage)));
    }

    private void convMeta(ConvGeometry g, int group, int firstImage, int images) {
        int[] m = {g.inChannels(), g.inH(), g.inW(), g.kernelH(), g.kernelW(), g.strideH(), g.strideW(),
                g.padH(), g.padW(), g.dilationH(), g.dilationW(), g.outH(), g.outW(), g.groupInChannels(),
                group * g.groupInChannels(), images, firstImage, g.outChannels(), g.groupOutChannels(),
                group * g.groupOutChannels()};
        meta(m, 0);
        sendMeta();
    }

    @Override
    public synchronized void conv2d(ConvGeometry g, Storage x, Storage weight, Storage bias, Storage out) {
        int xo = in(x);
        int wo = in(weight);
        int bo = bias == null ? 0 : in(bias);
        int oo = out(out, true);
        int positions = g.outH() * g.outW();
        int per = chunk(g);
        int k = g.patchSize();
        int og = g.groupOutChannels();
        int col = temporary((long) k * per * positions, "convolution columns");
        int tmp = temporary((long) og * per * positions, "convolution output columns");
        for (int grp = 0; grp < g.groups(); grp++) {
            for (int n0 = 0; n0 < g.batch(); n0 += per) {
                int images = Math.min(per, g.batch() - n0);
                int cols = images * positions;
                convMeta(g, grp, n0, images);
                kernel.o0 = xo;
                kernel.o1 = col;
                launchOp(OpenClKernel.IM2COL, cols);
                gemmAt(false, false, og, cols, k, 1f, wo + grp * og * k, k, col, cols, 0f, tmp, cols);
                kernel.o0 = tmp;
                kernel.o1 = oo;
                kernel.o2 = bo;
                kernel.i0 = bias == null ? 0 : 1;
                launchOp(OpenClKernel.COLUMNS_TO_NCHW, cols);
            }
        }
        release(tmp, (long) og * per * positions);
        release(col, (long) k * per * positions);
        out.markDeviceWritten();
    }

    @Override
    public synchronized void conv2dBackwardInput(ConvGeometry g, Storage gradOut, Storage weight, Storage gradX) {
        int go = in(gradOut);
        int wo = in(weight);
        int xo = out(gradX, true);
        int positions = g.outH() * g.outW();
        int per = chunk(g);
        int k = g.patchSize();
        int og = g.groupOutChannels();
        int cg = g.groupInChannels();
        int gcol = temporary((long) k * per * positions, "convolution column gradients");
        int gyt = temporary((long) og * per * positions, "convolution output-gradient columns");
        for (int grp = 0; grp < g.groups(); grp++) {
            for (int n0 = 0; n0 < g.batch(); n0 += per) {
                int images = Math.min(per, g.batch() - n0);
                int cols = images * positions;
                convMeta(g, grp, n0, images);
                kernel.o0 = go;
                kernel.o1 = gyt;
                launchOp(OpenClKernel.NCHW_TO_COLUMNS, cols);
                gemmAt(true, false, k, cols, og, 1f, wo + grp * og * k, k, gyt, cols, 0f, gcol, cols);
                kernel.o0 = gcol;
                kernel.o1 = xo;
                launchOp(OpenClKernel.COL2IM, images * cg * g.inH() * g.inW());
            }
        }
        release(gyt, (long) og * per * positions);
        release(gcol, (long) k * per * positions);
        gradX.markDeviceWritten();
    }

    @Override
    public synchronized void conv2dBackwardWeight(ConvGeometry g, Storage x, Storage gradOut, Storage gradWeight,
                                                  Storage gradBias) {
        int xo = in(x);
        int go = in(gradOut);
        int wo = out(gradWeight, true);
        int positions = g.outH() * g.outW();
        int per = chunk(g);
        int k = g.patchSize();
        int og = g.groupOutChannels();
        int col = temporary((long) k * per * positions, "convolution columns");
        int gyt = temporary((long) og * per * positions, "convolution output-gradient columns");
        for (int grp = 0; grp < g.groups(); grp++) {
            for (int n0 = 0; n0 < g.batch(); n0 += per) {
                int images = Math.min(per, g.batch() - n0);
                int cols = images * positions;
                convMeta(g, grp, n0, images);
                kernel.o0 = xo;
                kernel.o1 = col;
                launchOp(OpenClKernel.IM2COL, cols);
                kernel.o0 = go;
                kernel.o1 = gyt;
                launchOp(OpenClKernel.NCHW_TO_COLUMNS, cols);
                // Chunks accumulate in order: beta 0 for the first, 1 after.
                gemmAt(false, true, og, k, cols, 1f, gyt, cols, col, cols, n0 == 0 ? 0f : 1f,
                        wo + grp * og * k, k);
            }
        }
        release(gyt, (long) og * per * positions);
        release(col, (long) k * per * positions);
        gradWeight.markDeviceWritten();
        if (gradBias != null) {
            kernel.o0 = go;
            kernel.o1 = out(gradBias, true);
            kernel.i0 = g.batch();
            kernel.i1 = g.outChannels();
            kernel.i2 = positions;
            launchGroups(OpenClKernel.CHANNEL_SUM, g.outChannels());
            gradBias.markDeviceWritten();
        }
    }

    // ---- pooling -------------------------------------------------------------------------------------

    private void poolMeta(PoolGeometry g) {
        meta(new int[] {g.inH(), g.inW(), g.kernelH(), g.kernelW(), g.strideH(), g.strideW(), g.padH(), g.padW(),
                g.outH(), g.outW()}, 0);
        sendMeta();
    }

    @Override
    public synchronized void maxPool2d(PoolGeometry g, Storage x, Storage out) {
        int count = g.planes() * g.outH() * g.outW();
        kernel.o0 = in(x);
        kernel.o1 = out(out, count >= out.size());
        poolMeta(g);
        launchOp(OpenClKernel.MAX_POOL, count);
        out.markDeviceWritten();
    }

    @Override
    public synchronized void maxPool2dBackward(PoolGeometry g, Storage x, Storage gradOut, Storage gradX) {
        int count = g.planes() * g.inH() * g.inW();
        kernel.o0 = in(x);
        kernel.o1 = in(gradOut);
        kernel.o2 = out(gradX, count >= gradX.size());
        poolMeta(g);
        launchOp(OpenClKernel.MAX_POOL_BACKWARD, count);
        gradX.markDeviceWritten();
    }

    @Override
    public synchronized void avgPool2d(PoolGeometry g, Storage x, Storage out) {
        int count = g.planes() * g.outH() * g.outW();
        kernel.o0 = in(x);
        kernel.o1 = out(out, count >= out.size());
        kernel.f0 = 1f / (g.kernelH() * g.kernelW());
        poolMeta(g);
        launchOp(OpenClKernel.AVG_POOL, count);
        out.markDeviceWritten();
    }

    @Override
    public synchronized void avgPool2dBackward(PoolGeometry g, Storage gradOut, Storage gradX) {
        int count = g.planes() * g.inH() * g.inW();
        kernel.o0 = in(gradOut);
        kernel.o1 = out(gradX, count >= gradX.size());
        kernel.f0 = 1f / (g.kernelH() * g.kernelW());
        poolMeta(g);
        launchOp(OpenClKernel.AVG_POOL_BACKWARD, count);
        gradX.markDeviceWritten();
    }

    @Override
    public synchronized void adaptiveAvgPool2d(int planes, int inH, int inW, int outH, int outW, Storage x,
                                               Storage out) {
        int count = planes * outH * outW;
        kernel.o0 = in(x);
        kernel.o1 = out(out, count >= out.size());
        kernel.i0 = inH;
        kernel.i1 = inW;
        kernel.i2 = outH;
        kernel.i3 = outW;
        launchOp(OpenClKernel.ADAPTIVE_POOL, count);
        out.markDeviceWritten();
    }

    @Override
    public synchronized void adaptiveAvgPool2dBackward(int planes, int inH, int inW, int outH, int outW,
                                                       Storage gradOut, Storage gradX) {
        int count = planes * inH * inW;
        kernel.o0 = in(gradOut);
        kernel.o1 = out(gradX, count >= gradX.size());
        kernel.i0 = inH;
        kernel.i1 = inW;
        kernel.i2 = outH;
        kernel.i3 = outW;
        launchOp(OpenClKernel.ADAPTIVE_POOL_BACKWARD, count);
        gradX.markDeviceWritten();
    }

    // ---- batch normalisation -------------------------------------------------------------------------

    @Override
    public synchronized void batchNormStatistics(Storage x, int batch, int channels, int spatial, Storage mean,
                                                 Storage variance) {
        kernel.o0 = in(x);
        kernel.o1 = out(mean, channels >= mean.size());
        kernel.o2 = out(variance, channels >= variance.size());
        kernel.i0 = batch;
        kernel.i1 = channels;
        kernel.i2 = spatial;
        launchGroups(OpenClKernel.BN_STATISTICS, channels);
        mean.markDeviceWritten();
        variance.markDeviceWritten();
    }

    @Override
    public synchronized void channelAffine(Storage x, int batch, int channels, int spatial, Storage scale,
                                           Storage shift, Storage y) {
        int count = batch * channels * spatial;
        kernel.o0 = in(x);
        kernel.o1 = in(scale);
        kernel.o2 = in(shift);
        kernel.o3 = out(y, count >= y.size());
        kernel.i0 = channels;
        kernel.i1 = spatial;
        launchOp(OpenClKernel.CHANNEL_AFFINE, count);
        y.markDeviceWritten();
    }

    @Override
    public synchronized void batchNormBackward(Storage x, Storage gradOut, int batch, int channels, int spatial,
                                               Storage mean, Storage invStd, Storage gamma, boolean training,
                                               Storage gradX, Storage gradGamma, Storage gradBeta) {
        int xo = in(x);
        int go = in(gradOut);
        int mo = in(mean);
        int io = in(invStd);
        int gammaAt = gamma == null ? 0 : in(gamma);
        int sums = temporary(2L * channels, "batch-norm gradient sums");
        kernel.o0 = xo;
        kernel.o1 = go;
        kernel.o2 = mo;
        kernel.o3 = io;
        kernel.o4 = sums;
        kernel.i0 = batch;
        kernel.i1 = channels;
        kernel.i2 = spatial;
        launchGroups(OpenClKernel.BN_BACKWARD_SUMS, channels);
        if (gradBeta != null) {
            pickEverySecond(sums, channels, out(gradBeta, channels >= gradBeta.size()));
            gradBeta.markDeviceWritten();
        }
        if (gradGamma != null) {
            pickEverySecond(sums + 1, channels, out(gradGamma, channels >= gradGamma.size()));
            gradGamma.markDeviceWritten();
        }
        if (gradX != null) {
            int count = batch * channels * spatial;
            kernel.o0 = xo;
            kernel.o1 = go;
            kernel.o2 = mo;
            kernel.o3 = io;
            kernel.o4 = sums;
            kernel.o5 = out(gradX, count >= gradX.size());
            kernel.i0 = batch;
            kernel.i1 = channels;
            kernel.i2 = spatial;
            kernel.i3 = gamma == null ? 0 : 1;
            kernel.i4 = gammaAt;
            kernel.i5 = training ? 1 : 0;
            launchOp(OpenClKernel.BN_BACKWARD_INPUT, count);
            gradX.markDeviceWritten();
        }
        release(sums, 2L * channels);
    }

    /** {@code dst[c] = src[2c]} for {@code c < count}, on arena offsets. */
    private void pickEverySecond(int src, int count, int dst) {
        meta(new int[] {count}, OpenClKernel.META_SHAPE);
        meta(new int[] {2}, OpenClKernel.META_STRIDES_A);
        meta(new int[] {1}, OpenClKernel.META_STRIDES_B);
        sendMeta();
        kernel.o0 = src;
        kernel.o1 = dst;
        kernel.i0 = 1;
        launchOp(OpenClKernel.STRIDED_COPY, count);
    }
}
