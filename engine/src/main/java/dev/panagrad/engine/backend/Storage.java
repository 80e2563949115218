package dev.panagrad.engine.backend;

/**
 * A flat buffer of float32 values that backend kernels read and write. Tensors that are views of each
 * other (reshape, detach) share one storage. Its values are the first {@link #size()} floats of its host
 * array; an array from the {@link HostArrayPool} may be longer, so code takes lengths from sizes and
 * shapes, never from the array.
 *
 * <p>A device backend may hold a copy of the values in its own memory ({@link DeviceCopy}); the
 * storage then tracks which side is current. Host code reads through {@link #read()} and writes
 * through {@link #array()}: both first bring the host array up to date from the device when the device
 * holds newer values, and {@link #array()} also marks the device copy stale, since the caller may write.
 * Device kernels use {@link #markDeviceWritten()} after writing. See the OpenCL backend for the
 * protocol in full.
 *
 * <p>The version counter counts in-place writes made through the tensor API, so that autodiff can
 * detect a tensor that was saved for backward and then modified.
 *
 * <p>A storage can be {@linkplain #release released}: its host array goes back to the
 * {@link HostArrayPool} and every later access fails with an error that names the op that made it.
 */
public final class Storage {
    /** A copy of the values in a device's memory. */
    public interface DeviceCopy {
        /** Copies the device's values into {@code host}. */
        void download(float[] host);

        /** The storage was released ({@link Storage#release}): its device memory may serve others now. */
        default void release() {
        }
    }

    /** Floats past its size in a new pooled array while the pool poisons: less than one vector of any width. */
    private static final int POISONED_TAIL = 3;

    /** Storages made so far in this JVM: each takes the next number, so a caller can tell which are newer. */
    private static final java.util.concurrent.atomic.AtomicLong MADE = new java.util.concurrent.atomic.AtomicLong();

    private final int size;
    /** This storage's number in the order storages were made ({@link #madeSince}). */
    private final long serial = MADE.incrementAndGet();
    /**
     * The host array, allocated when host code first needs it: until then every value is zero, or the
     * current values live on a device only. A tensor that never leaves a device never costs host memory,
     * nor the time to zero it. Volatile, so that threads of a parallel kernel that allocate it see one array.
     */
    private volatile float[] data;
    private int version;
    private DeviceCopy device;
    private boolean hostCurrent = true;
    private boolean deviceCurrent;
    /** The op whose output this is, for error messages; null until an op says so. */
    private String madeBy;
    private boolean released;
    /** Why this storage was released, for the message of a use after release. */
    private String releasedBecause;
    /** How many graph nodes saved this storage for a backward that has not run yet. */
    private int savedBy;

    /** A zero-filled storage of {@code size} floats. */
    public Storage(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("storage: negative size " + size);
        }
        this.size = size;
    }

    private Storage(float[] data, int size) {
        this.size = size;
        this.data = data;
    }

    /**
     * A storage of {@code size} floats over an array from the {@link HostArrayPool} when one is free (of
     * that size or somewhat longer), else a new storage as {@link #Storage(int)}. With {@code zeroed} the
     * values are zero, otherwise unspecified (for an output that a kernel writes in full). While the pool
     * poisons, a new array gets a tail of NaN past its size, so that code reading past a storage's size
     * shows up in its results.
     */
    public static Storage pooled(int size, boolean zeroed) {
        float[] a = HostArrayPool.takeAtLeast(size);
        if (a == null) {
            if (!HostArrayPool.isPoisoning() || size < HostArrayPool.MIN_SIZE) {
                return new Storage(size);
            }
            a = new float[size + POISONED_TAIL];
            java.util.Arrays.fill(a, size, a.length, Float.NaN);
        } else if (zeroed) {
            java.util.Arrays.fill(a, 0, size, 0f);
        }
        return new Storage(a, size);
    }

    /** Wraps an array without copying; the caller gives up ownership of it. */
    public static Storage wrap(float[] data) {
        return new Storage(data, data.length);
    }

    /** A mark of the storages made so far, for {@link #madeSince}. */
    public static long madeSoFar() {
        return MADE.get();
    }

    /** Whether this storage was made after {@code mark} ({@link #madeSoFar()}) was taken. */
    public boolean madeSince(long mark) {
        return serial > mark;
    }

    /** Number of floats. */
    public int size() {
        return size;
    }

    /** The host array, current, for reading and writing: any device copy becomes stale. Holds at least {@link #size()} floats. */
    public float[] array() {
        checkLive();
        syncHost();
        deviceCurrent = false;
        return host();
    }

    /** The host array, current, for reading only: a device copy stays valid. Holds at least {@link #size()} floats. */
    public float[] read() {
        checkLive();
        syncHost();
        return host();
    }

    private void syncHost() {
        if (!hostCurrent) {
            device.download(host());
            hostCurrent = true;
        }
    }

    private float[] host() {
        float[] d = data;
        if (d == null) {
            synchronized (this) {
                d = data;
                if (d == null) {
                    d = new float[size];
                    data = d;
                }
            }
        }
        return d;
    }

    // ---- lifetime ---------------------------------------------------------------------------------

    /** Records the op that first wrote this storage as its output, for the message of a use after release. */
    public void setMadeBy(String op) {
        if (madeBy == null) {
            madeBy = op;
        }
    }

    /**
     * Ends this storage's life: the host array, if any, goes back to the {@link HostArrayPool} and the
     * device copy is dropped. Every later access throws. The caller must know that nothing reads it
     * any more (a closed scope, a finished backward pass).
     */
    public void release() {
        release("the TensorScope that made it is closed. Keep a tensor that must outlive its scope with "
                + "TensorScope.keep");
    }

    /** {@link #release()}, saying why in the message of a later use (a sentence, after "released: "). */
    public void release(String because) {
        if (released) {
            return;
        }
        released = true;
        releasedBecause = because;
        float[] d = data;
        DeviceCopy copy = device;
        data = null;
        device = null;
        if (d != null) {
            HostArrayPool.give(d);
        }
        if (copy != null) {
            copy.release();
        }
    }

    /** A graph node saved this storage for its backward. */
    public void holdForBackward() {
        savedBy++;
    }

    /** A node that saved this storage ran its backward and let go of it; returns how many still hold it. */
    public int dropForBackward() {
        return --savedBy;
    }

    /** Whether {@link #release} was called. */
    public boolean isReleased() {
        return released;
    }

    private void checkLive() {
        if (released) {
            throw new IllegalStateException("tensor of " + size + " floats"
                    + (madeBy == null ? "" : ", output of " + madeBy) + ", used after its memory was released: "
                    + releasedBecause);
        }
    }

    // ---- for device backends ----------------------------------------------------------------------

    /** The device copy, or null. */
    public DeviceCopy device() {
        checkLive();
        return device;
    }

    /** Attaches a device copy that does not yet hold the values (upload, then {@link #markUploaded()}). */
    public void attach(DeviceCopy copy) {
        checkLive();
        device = copy;
        deviceCurrent = false;
    }

    /** Whether the device copy holds the current values. */
    public boolean isDeviceCurrent() {
        return device != null && deviceCurrent;
    }

    /** The host array without synchronising, for a device backend uploading it (the host is current). */
    public float[] hostArrayForUpload() {
        checkLive();
        if (!hostCurrent) {
            throw new IllegalStateException("storage: the host copy is stale; download before uploading");
        }
        return host();
    }

    /**
     * Whether host code has ever needed the host array. Until it has, and while the host copy is current,
     * every value is zero: a device backend can fill its copy with zeros instead of uploading.
     */
    public boolean hostArrayAllocated() {
        return data != null;
    }

    /** The device copy now equals the host array. */
    public void markUploaded() {
        deviceCurrent = true;
    }

    /** A device kernel wrote the device copy: the host array is stale until read. */
    public void markDeviceWritten() {
        deviceCurrent = true;
        hostCurrent = false;
    }

    /** How many in-place writes this storage has seen. */
    public int version() {
        return version;
    }

    /** Records an in-place write. */
    public void bumpVersion() {
        version++;
    }
}
