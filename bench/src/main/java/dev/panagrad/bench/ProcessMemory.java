package dev.panagrad.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a measured stretch of a program holds in memory: the Java heap's used bytes and its peak (the sum
 * of the heap pools' peaks), the bytes this JVM's threads allocated, and the process's peak resident
 * set (VmHWM), which {@link #resetPeaks()} restarts on Linux.
 */
final class ProcessMemory {
    private ProcessMemory() {
    }

    /** Bytes of the heap in use now. */
    static long heapUsed() {
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                used += pool.getUsage().getUsed();
            }
        }
        return used;
    }

    /** The most bytes of heap in use since the last {@link #resetPeaks()}. */
    static long peakHeap() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
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
