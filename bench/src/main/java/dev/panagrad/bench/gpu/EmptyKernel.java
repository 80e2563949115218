package dev.panagrad.bench.gpu;

import com.aparapi.Kernel;
import com.aparapi.device.OpenCLDevice;
import com.aparapi.internal.kernel.KernelManager;
import java.util.LinkedHashSet;

/**
 * An Aparapi kernel with two fields that writes one float: its launch time is what Aparapi and the driver
 * cost per launch. The backend's kernel has about forty fields, all set as kernel arguments on every
 * launch; the difference between the two launch times is that argument traffic.
 */
final class EmptyKernel extends Kernel {
    public float[] cell = new float[64];
    public int step;
    private final com.aparapi.Range range;

    EmptyKernel(OpenCLDevice device) {
        setExplicit(true);
        LinkedHashSet<com.aparapi.device.Device> preferred = new LinkedHashSet<>();
        preferred.add(device);
        KernelManager.instance().setPreferredDevices(this, preferred);
        put(cell);
        this.range = device.createRange(64, 64);
    }

    void launch() {
        step++;
        execute(range);
        if (!isRunningCL()) {
            throw new IllegalStateException("EmptyKernel: Aparapi fell back to " + getExecutionMode());
        }
    }

    @Override
    public void run() {
        int i = getGlobalId(0);
        cell[i] = step;
    }
}
