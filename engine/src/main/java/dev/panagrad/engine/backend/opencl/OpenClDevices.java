package dev.panagrad.engine.backend.opencl;

import com.aparapi.device.Device;
import com.aparapi.device.OpenCLDevice;
import com.aparapi.internal.opencl.OpenCLLoader;
import com.aparapi.internal.opencl.OpenCLPlatform;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Finds the OpenCL devices on this machine and picks one. Without a choice, a GPU wins over an
 * accelerator, which wins over a CPU device; within a kind, the first one listed. A choice is
 * {@code gpu}, {@code accelerator} or {@code cpu} (the first device of that kind), {@code P:D} (device D
 * of platform P, counting from 0), or any other text, matched against device and platform names.
 */
public final class OpenClDevices {
    /** How to get an OpenCL driver, for error messages. */
    static final String INSTALL_HINT = "install an OpenCL driver: on Debian or Ubuntu 'apt-get install "
            + "pocl-opencl-icd ocl-icd-libopencl1' gives a CPU device; for a GPU, its vendor's OpenCL driver "
            + "(NVIDIA, AMD ROCm, Intel compute-runtime)";

    private OpenClDevices() {
    }

    /**
     * Prints the devices and the one the backend would choose ({@code -Dpanagrad.opencl.device} applies).
     */
    public static void main(String[] args) {
        System.out.print(describeAll());
        if (!all().isEmpty()) {
            System.out.println("chosen: " + describe(choose(System.getProperty("panagrad.opencl.device"))));
        }
    }

    /** Every OpenCL device of every platform, in platform order; empty when there is no OpenCL driver. */
    public static List<OpenCLDevice> all() {
        List<OpenCLDevice> out = new ArrayList<>();
        if (!OpenCLLoader.isOpenCLAvailable()) {
            return out;
        }
        for (OpenCLPlatform platform : new OpenCLPlatform().getOpenCLPlatforms()) {
            out.addAll(platform.getOpenCLDevices());
        }
        return out;
    }

    /** One line per device: index, kind, name, platform, compute units, memory and work-group limits. */
    public static String describeAll() {
        List<OpenCLDevice> devices = all();
        if (devices.isEmpty()) {
            return "no OpenCL platform or device found (the OpenCL ICD loader found "
                    + (OpenCLLoader.isOpenCLAvailable() ? "no platforms" : "no usable libOpenCL") + ")";
        }
        StringBuilder sb = new StringBuilder();
        for (OpenCLDevice d : devices) {
            sb.append("  ").append(index(d)).append(' ').append(describe(d)).append('\n');
        }
        return sb.toString();
    }

    /** The device named by {@code choice} (null or blank: the default order). */
    public static OpenCLDevice choose(String choice) {
        List<OpenCLDevice> devices = all();
        if (devices.isEmpty()) {
            throw new IllegalStateException("opencl backend: " + describeAll() + "; " + INSTALL_HINT);
        }
        String c = choice == null ? "" : choice.trim().toLowerCase(Locale.ROOT);
        if (c.isEmpty()) {
            for (Device.TYPE kind : new Device.TYPE[] {Device.TYPE.GPU, Device.TYPE.ACC, Device.TYPE.CPU}) {
                for (OpenCLDevice d : devices) {
                    if (d.getType() == kind) {
                        return d;
                    }
                }
            }
            return devices.get(0);
        }
        Device.TYPE kind = switch (c) {
            case "gpu" -> Device.TYPE.GPU;
            case "cpu" -> Device.TYPE.CPU;
            case "accelerator", "acc" -> Device.TYPE.ACC;
            default -> null;
        };
        for (OpenCLDevice d : devices) {
            boolean match = kind != null ? d.getType() == kind
                    : index(d).equals(c) || d.getName().toLowerCase(Locale.ROOT).contains(c)
                    || d.getOpenCLPlatform().getName().toLowerCase(Locale.ROOT).contains(c);
            if (match) {
                return d;
            }
        }
        throw new IllegalArgumentException("opencl backend: no device matches panagrad.opencl.device='" + choice
                + "'; devices:\n" + describeAll());
    }

    /** "P:D", the platform and device position. */
    static String index(OpenCLDevice d) {
        List<OpenCLPlatform> platforms = new OpenCLPlatform().getOpenCLPlatforms();
        for (int p = 0; p < platforms.size(); p++) {
            List<OpenCLDevice> ds = platforms.get(p).getOpenCLDevices();
            for (int i = 0; i < ds.size(); i++) {
                if (ds.get(i).getDeviceId() == d.getDeviceId()) {
                    return p + ":" + i;
                }
            }
        }
        return "?";
    }

    /** Kind, name, platform and limits of one device. */
    static String describe(OpenCLDevice d) {
        OpenCLPlatform p = d.getOpenCLPlatform();
        return String.format(Locale.ROOT, "%s '%s' on platform '%s' (%s), %d compute units, %d MiB global memory, "
                        + "%d KiB local memory, work-group size up to %d",
                d.getType(), d.getName().trim(), p.getName().trim(), p.getVersion().split(",")[0].trim().replaceAll("\\s+", " "),
                d.getMaxComputeUnits(),
                d.getGlobalMemSize() >> 20, d.getLocalMemSize() >> 10, d.getMaxWorkGroupSize());
    }
}
