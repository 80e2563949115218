package dev.panagrad.engine.backend.opencl;

import dev.panagrad.engine.backend.Storage;
import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where tensors live on the device, apart from the ops that use them (see {@link OpenClBackend} for the
 * rules). Device memory is one float arena ({@link DeviceArena}); a {@link Storage} an op touches gets
 * a region of it ({@link DeviceBuffer}) and keeps it until it is released ({@link Storage#release}, which
 * a {@code TensorScope} does for the tensors of a step as soon as they are dead) or, failing that, until
 * the JVM collects the storage, when a phantom reference gives the region back. Each storage records
 * which copy is current, so inputs go up only when the device copy is stale, and outputs are marked
 * device-written by the op that wrote them.
 *
 * <p>The arena's host array is never updated, and Aparapi re-creates a device buffer from its host array
 * when the JVM moves that array: that would silently lose every resident tensor. A canary value at
 * offset 0 is checked on every download, and its loss is reported.
 */
final class DeviceMemory {
    private final Object lock;
    private final KernelLauncher launcher;
    private final OpenClKernel kernel;
    private final DeviceArena arena;
    private final ReferenceQueue<Storage> collected = new ReferenceQueue<>();
    private final Map<DeviceBuffer, Region> live = new HashMap<>();
    private long uploads;
    private long downloads;
    private long uploadedFloats;
    private long downloadedFloats;
    private long collections;

    /** Gives a collected storage's region back to the arena. */
    private static final class Region extends PhantomReference<Storage> {
        final DeviceBuffer buffer;

        Region(Storage s, DeviceBuffer buffer, ReferenceQueue<Storage> q) {
            super(s, q);
            this.buffer = buffer;
        }
    }

    /**
     * Places the arena ({@code floats} long, already the length of the kernel's {@code mem}) on the
     * device. {@code lock} serialises host reads with the ops (the backend).
     */
    DeviceMemory(Object lock, KernelLauncher launcher, int floats) {
        this.lock = lock;
        this.launcher = launcher;
        this.kernel = launcher.kernel;
        this.arena = new DeviceArena(floats, DeviceArena.ALIGN);
        kernel.put(kernel.mem);
        kernel.put(kernel.meta);
        kernel.canaryArgs(OpenClKernel.CANARY_VALUE);
        launcher.elements(OpenClKernel.CANARY, 1);
        checkCanary();
    }

    /** The arena offset of an input, uploaded first if the device copy is not current. */
    int input(Storage s) {
        DeviceBuffer b = buffer(s);
        if (!s.isDeviceCurrent()) {
            bringToDevice(s, b);
        }
        return b.offset;
    }

    /**
     * The arena offset of an output. Unless the op overwrites all of it, a stale device copy is uploaded
     * first so that the elements the op leaves alone keep their values.
     */
    int output(Storage s, boolean overwritesAll) {
        DeviceBuffer b = buffer(s);
        if (!s.isDeviceCurrent() && !overwritesAll) {
            bringToDevice(s, b);
        }
        return b.offset;
    }

    /** A region of {@code size} floats for one op's intermediate values; give it back with {@link #release}. */
    int temporary(long size, String what) {
        if (size > Integer.MAX_VALUE - 64) {
            throw new IllegalStateException("opencl backend: " + what + " needs " + size + " floats, over 2^31");
        }
        return allocate((int) size, what);
    }

    void release(int offset, long size) {
        arena.release(offset, (int) size);
    }

    /**
     * Copies a buffer's device values into the first {@code b.length} floats of {@code host} (a pooled host
     * array may be longer), then checks that the arena is still the device's.
     */
    void download(DeviceBuffer b, float[] host) {
        if (b.length == 0) {
            return;
        }
        synchronized (lock) {
            keepingArguments(() -> {
                kernel.stage = host;
                kernel.transferArgs(b.offset);
                launcher.elements(OpenClKernel.DOWNLOAD, b.length);
                kernel.get(kernel.stage);
                kernel.stage = new float[1];
                downloads++;
                downloadedFloats += b.length;
                checkCanary();
            });
        }
    }

    /** Floats in use, the most in use since the last {@link #resetPeak()}, and the capacity. */
    long[] use() {
        drainCollected();
        return new long[] {arena.used(), arena.peak(), arena.capacity()};
    }

    void resetPeak() {
        drainCollected();
        arena.resetPeak();
    }

    long uploads() {
        return uploads;
    }

    long downloads() {
        return downloads;
    }

    long uploadedFloats() {
        return uploadedFloats;
    }

    long downloadedFloats() {
        return downloadedFloats;
    }

    long collections() {
        return collections;
    }

    private DeviceBuffer buffer(Storage s) {
        if (s.device() instanceof DeviceBuffer b && b.owner == this) {
            return b;
        }
        if (s.device() != null) {
            s.read(); // another device holds it: bring the values home first
        }
        int offset = allocate(s.size(), "a tensor of " + s.size() + " floats");
        DeviceBuffer b = new DeviceBuffer(this, offset, s.size());
        live.put(b, new Region(s, b, collected));
        s.attach(b);
        return b;
    }

    /** Uploads the host values, or fills the region with zeros for a storage whose host array was never needed. */
    private void bringToDevice(Storage s, DeviceBuffer b) {
        keepingArguments(() -> {
            if (s.hostArrayAllocated()) {
                float[] values = s.hostArrayForUpload(); // its first s.size() floats: a pooled array may be longer
                if (s.size() > 0) {
                    kernel.stage = values;
                    kernel.put(kernel.stage);
                    kernel.transferArgs(b.offset);
                    launcher.elements(OpenClKernel.UPLOAD, s.size());
                    kernel.stage = new float[1];
                    uploads++;
                    uploadedFloats += s.size();
                }
            } else {
                kernel.fillArgs(b.offset, 0f);
                launcher.elements(OpenClKernel.FILL, s.size());
            }
        });
        s.markUploaded();
    }

    /**
     * Runs a transfer and puts back the argument fields it sets (the only ones: {@code o0} and
     * {@code f0}; the op code and count are set by every launch), so that a transfer may come between an
     * op's argument setter and its launch.
     */
    private void keepingArguments(Runnable transfer) {
        int savedOffset = kernel.o0;
        float savedScalar = kernel.f0;
        try {
            transfer.run();
        } finally {
            kernel.o0 = savedOffset;
            kernel.f0 = savedScalar;
        }
    }

    private void checkCanary() {
        kernel.canaryArgs(0f);
        launcher.elements(OpenClKernel.CANARY, 1);
        kernel.get(kernel.meta);
        int seen = kernel.meta[OpenClKernel.META_LENGTH - 1];
        if (seen != (int) OpenClKernel.CANARY_VALUE) {
            throw new IllegalStateException("opencl backend: the device arena was re-created from its stale host "
                    + "copy (the JVM moved the arena array), so resident tensors are lost; run with -XX:+UseG1GC, "
                    + "which does not move arrays this large");
        }
        launcher.metaChangedOnDevice(); // meta[63] differs from what was sent; send again on next use
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
        if (live.remove(region.buffer, region)) {
            arena.release(region.buffer.offset, region.buffer.length);
        }
    }

    /** A released storage's region, back to the arena now; its phantom reference will not give it back again. */
    void releaseStorage(DeviceBuffer b) {
        synchronized (lock) {
            Region region = live.remove(b);
            if (region != null) {
                region.clear();
                arena.release(b.offset, b.length);
            }
        }
    }
}
