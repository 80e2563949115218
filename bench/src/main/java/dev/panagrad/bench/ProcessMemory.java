package dev.panagrad.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.ToLongFunction;

/**
 * What a measured stretch of a program holds in memory: the Java heap's used bytes and its peak (the sum
 * of the heap pools' peaks), the bytes this JVM's threads allocated, and the process's peak resident
 * set (VmHWM), which {@link #resetPeaks()} restarts on Linux.
 */
final class ProcessMemory {
    private ProcessMemory() {
    }

    /**
     * A measured stretch of steps: {@link #start()} after warm-up, {@link #report(int)} after the steps.
     * Reports the live heap at the start, the peak heap and the bytes allocated per step over the
     * stretch, and the process's peak resident set.
     */
    static final class Window {
        private final long live;
        private final long allocatedBefore;

        private Window(long live, long allocatedBefore) {
            this.live = live;
            this.allocatedBefore = allocatedBefore;
        }

        /** Collects garbage, takes the live heap, and restarts the peaks and the count of allocated bytes. */
        static Window start() {
            System.gc();
            long live = heapUsed();
            resetPeaks();
            return new Window(live, allocated());
        }

        /** {@code live_heap_MB=.. peak_heap_MB=.. allocated_per_step_MB=.. peak_rss_MB=..} over {@code steps}. */
        String report(int steps) throws IOException {
            long perStep = (allocated() - allocatedBefore) / steps;
            return String.format(Locale.ROOT, "live_heap_MB=%.1f peak_heap_MB=%.1f allocated_per_step_MB=%.1f "
                    + "peak_rss_MB=%.1f", live / 1e6, peakHeap() / 1e6, perStep / 1e6, peakRss() / 1e6);
        }
    }

    /** Bytes of the heap in use now. */
    static long heapUsed() {
        return sumOverHeapPools(pool -> pool.getUsage().getUsed());
    }

    /** Bytes of heap the JVM has committed now. */
    static long heapCommitted() {
        return sumOverHeapPools(pool -> pool.getUsage().getCommitted());
    }

    /** The most bytes of heap in use since the last {@link #resetPeaks()}. */
    static long peakHeap() {
        return sumOverHeapPools(pool -> pool.getPeakUsage().getUsed());
    }

    private static long sumOverHeapPools(ToLongFunction<MemoryPoolMXBean> bytes) {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += bytes.applyAsLong(pool);
            }
        }
        return sum;
    }

    /** Bytes allocated by all threads since the JVM started. */
    static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getTotalThreadAllocatedBytes();
    }

    /** Restarts the heap pools' peaks and, on Linux, the process's peak resident set. */
    static void resetPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5"); // resets VmHWM on Linux
        } catch (IOException | UnsupportedOperationException e) {
            // elsewhere the peak RSS counts from process start
        }
    }

    /** VmHWM from /proc/self/status, in bytes, or -1 where there is none. */
    static long peakRss() throws IOException {
        return status("VmHWM:");
    }

    /** VmRSS from /proc/self/status, in bytes, or -1 where there is none. */
    static long rss() throws IOException {
        return status("VmRSS:");
    }

    private static long status(String field) throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return -1;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }
}
