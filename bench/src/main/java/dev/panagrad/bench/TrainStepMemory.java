package dev.panagrad.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Memory of CIFAR ResNet training steps, for comparison with PyTorch's peak RSS
 * (bench/peer/torch_resnet_cifar.py prints it): after warm-up, over {@code steps} steps, the peak of the
 * Java heap (sum of the heap pools' peaks), the bytes allocated per step, the live heap after a full GC,
 * and the process's peak resident set. Run it as the benchmarks run (ParallelGC):
 * {@code java --add-modules=jdk.incubator.vector -XX:+UseG1GC -Xmx8g -cp bench/target/benchmarks.jar
 * dev.panagrad.bench.TrainStepMemory [depth=20] [batch=64] [steps=5]}.
 */
public final class TrainStepMemory {
    private TrainStepMemory() {
    }

    public static void main(String[] args) throws IOException {
        int depth = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        TrainingStep step = new TrainingStep(depth, batch);
        for (int i = 0; i < 3; i++) {
            step.run();
        }
        System.gc();
        long live = heapUsed();
        resetPeaks();
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long allocatedBefore = threads.getTotalThreadAllocatedBytes();
        for (int i = 0; i < steps; i++) {
            step.run();
        }
        long allocated = (threads.getTotalThreadAllocatedBytes() - allocatedBefore) / steps;
        long peakHeap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peakHeap += pool.getPeakUsage().getUsed();
            }
        }
        System.gc();
        System.out.printf(Locale.ROOT, "panagrad resnet%d batch=%d memory: live_heap_MB=%.1f peak_heap_MB=%.1f "
                        + "allocated_per_step_MB=%.1f peak_rss_MB=%.1f%n", depth, batch, live / 1e6, peakHeap / 1e6,
                allocated / 1e6, peakRss() / 1e6);
    }

    private static long heapUsed() {
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                used += pool.getUsage().getUsed();
            }
        }
        return used;
    }

    private static void resetPeaks() {
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
    private static long peakRss() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return -1;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }
}
