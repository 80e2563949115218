package dev.panagrad.engine.backend.opencl;

import java.util.Locale;

/**
 * How many floats the device arena holds, and what set the limit.
 *
 * <p>By default the arena takes three quarters of the device's global memory, leaving the rest to the
 * driver and to the staging buffers of uploads and downloads; {@code -Dpanagrad.opencl.memoryMB} asks for
 * a size instead. Three limits can cut either down:
 * <ul>
 *   <li>the device's largest single allocation ({@code CL_DEVICE_MAX_MEM_ALLOC_SIZE}), since the arena is
 *       one buffer;</li>
 *   <li>2 GiB, since Aparapi's native code holds a buffer's size in bytes in a Java {@code int}
 *       ({@code ArrayBuffer.lengthInBytes}); a larger arena would wrap to a negative size;</li>
 *   <li>half the Java heap, since Aparapi keeps a host array the size of every device buffer. That limit
 *       is the one to raise ({@code -Xmx}) when a GPU has memory to spare.</li>
 * </ul>
 *
 * @param floats the arena's length
 * @param limit  what decided it, for the backend's description
 */
record ArenaSize(long floats, String limit) {
    /** The most floats whose size in bytes fits in an int, in whole alignment blocks. */
    static final long MAX_FLOATS = Integer.MAX_VALUE / 4 / DeviceArena.ALIGN * DeviceArena.ALIGN;

    /**
     * The arena for a device with {@code globalBytes} of memory and {@code maxAllocBytes} per buffer, in a
     * JVM whose heap may grow to {@code heapBytes}; {@code requestedMB} null for the default.
     */
    static ArenaSize choose(long globalBytes, long maxAllocBytes, long heapBytes, Integer requestedMB) {
        if (requestedMB != null && requestedMB <= 0) {
            throw new IllegalArgumentException("opencl backend: panagrad.opencl.memoryMB must be positive, was " + requestedMB);
        }
        long floats = requestedMB != null ? (long) requestedMB << 18 : globalBytes / 4 * 3 / 4;
        String limit = requestedMB != null ? "panagrad.opencl.memoryMB" : "3/4 of the device's global memory";
        if (maxAllocBytes / 4 < floats) {
            floats = maxAllocBytes / 4;
            limit = "the device's largest allocation";
        }
        if (MAX_FLOATS < floats) {
            floats = MAX_FLOATS;
            limit = "2 GiB, the largest buffer Aparapi can describe";
        }
        if (heapBytes / 2 / 4 < floats) {
            floats = heapBytes / 2 / 4;
            limit = "half the Java heap, which holds the arena's host copy (raise -Xmx)";
        }
        floats -= floats % DeviceArena.ALIGN;
        if (floats < 1L << 18) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "opencl backend: the device arena would hold %d floats (limit: %s); it needs at least 1 MiB",
                    floats, limit));
        }
        return new ArenaSize(floats, limit);
    }

    /** Size in MiB. */
    long mebibytes() {
        return floats >> 18;
    }
}
