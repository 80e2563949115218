package dev.panagrad.engine.backend.opencl;

import com.aparapi.Range;
import com.aparapi.device.OpenCLDevice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Runs {@link OpenClKernel} on one device: sets the op code and the range, waits for the kernel (Aparapi's
 * execute returns when it is done), times each op code, and refuses to go on if Aparapi fell back to its
 * Java thread pool. Also sends the small host arrays the ops read beside the arena: the meta array
 * (shapes, strides, geometries; sent only when it changed) and the index stage.
 */
final class KernelLauncher {
    /** Work-group size of one-dimensional launches. */
    static final int LOCAL_1D = 64;

    final OpenClKernel kernel;
    final OpenCLDevice device;
    /** Work-group size of the launches with one group per output. */
    final int group;
    private final int[] lastMeta = new int[OpenClKernel.META_LENGTH];
    private boolean metaOnDevice;
    private long launches;
    /** Per op code: launches and the nanoseconds from each launch to its return (the kernel and its wait). */
    private final long[] launchNanos = new long[64];
    private final long[] launchCounts = new long[64];

    KernelLauncher(OpenClKernel kernel, OpenCLDevice device, int group) {
        this.kernel = kernel;
        this.device = device;
        this.group = group;
    }

    /** One thread per element, {@code count} of them, in work-groups of {@link #LOCAL_1D}. */
    void elements(int op, int count) {
        if (count <= 0) {
            return;
        }
        kernel.n = count;
        int global = (count + LOCAL_1D - 1) / LOCAL_1D * LOCAL_1D;
        execute(op, device.createRange(global, LOCAL_1D));
    }

    /** One work-group of {@link #group} threads per output, {@code groups} of them. */
    void groups(int op, int groups) {
        if (groups <= 0) {
            return;
        }
        kernel.n = groups;
        kernel.group = group;
        execute(op, device.createRange(groups * group, group));
    }

    /** {@code op} over a range of its own (the GEMM tiles' two- and three-dimensional ones). */
    void execute(int op, Range range) {
        kernel.op = op;
        long start = System.nanoTime();
        kernel.execute(range);
        if (op >= 0 && op < launchNanos.length) {
            launchNanos[op] += System.nanoTime() - start;
            launchCounts[op]++;
        }
        launches++;
        if (!kernel.isRunningCL()) {
            throw new IllegalStateException("opencl backend: Aparapi did not run the kernel on "
                    + OpenClDevices.describe(device) + " (it fell back to " + kernel.getExecutionMode()
                    + "); refusing to continue on the Java thread pool");
        }
    }

    /** Copies {@code values} into the meta array at {@code at}; {@link #sendMeta()} sends it. */
    void meta(int[] values, int at) {
        System.arraycopy(values, 0, kernel.meta, at, values.length);
    }

    /** Sends the meta array unless the device already holds the same values. */
    void sendMeta() {
        if (!metaOnDevice || !Arrays.equals(kernel.meta, lastMeta)) {
            kernel.put(kernel.meta);
            System.arraycopy(kernel.meta, 0, lastMeta, 0, lastMeta.length);
            metaOnDevice = true;
        }
    }

    /** The device's meta array changed behind {@link #sendMeta()} (the canary writes into it). */
    void metaChangedOnDevice() {
        metaOnDevice = false;
    }

    /** Sends an op's indices. */
    void indices(int[] index) {
        kernel.istage = index;
        kernel.put(kernel.istage);
    }

    long launches() {
        return launches;
    }

    /** Time per kernel since the start or the last {@link #resetTimes()}, the most first. */
    List<OpenClBackend.KernelTime> times() {
        List<OpenClBackend.KernelTime> out = new ArrayList<>();
        for (int code = 0; code < launchNanos.length; code++) {
            if (launchCounts[code] > 0) {
                out.add(new OpenClBackend.KernelTime(OpenClKernel.opName(code), launchCounts[code], launchNanos[code]));
            }
        }
        out.sort(Comparator.comparingLong(OpenClBackend.KernelTime::nanos).reversed());
        return out;
    }

    void resetTimes() {
        Arrays.fill(launchNanos, 0);
        Arrays.fill(launchCounts, 0);
    }
}
