package dev.panagrad.engine.backend;

/**
 * A flat buffer of float32 values that backend kernels read and write. Tensors that are views of each
 * other (reshape, detach) share one storage.
 *
 * <p>The version counter counts in-place writes made through the tensor API, so that autodiff can
 * detect a tensor that was saved for backward and then modified.
 */
public final class Storage {
    private final float[] data;
    private int version;

    /** A zero-filled storage of {@code size} floats. */
    public Storage(int size) {
        this(new float[size]);
    }

    private Storage(float[] data) {
        this.data = data;
    }

    /** Wraps an array without copying; the caller gives up ownership of it. */
    public static Storage wrap(float[] data) {
        return new Storage(data);
    }

    /** Number of floats. */
    public int size() {
        return data.length;
    }

    /** The host array behind this storage, for kernels that run on the CPU. */
    public float[] array() {
        return data;
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
