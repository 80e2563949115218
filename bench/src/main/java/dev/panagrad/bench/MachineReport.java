package dev.panagrad.bench;

import dev.panagrad.engine.Backends;
import dev.panagrad.engine.backend.simd.GemmKernel;
import dev.panagrad.engine.backend.simd.VectorMachine;

/**
 * Prints, one {@code key=value} a line, what the JVM it runs in chose for this machine: vector width,
 * registers and where that count came from, the GEMM register tile, and the backend's description.
 * {@code bench/compare.py} runs it with the same JVM flags as the benchmarks, to record what each run used.
 */
public final class MachineReport {
    private MachineReport() {
    }

    public static void main(String[] args) {
        VectorMachine m = VectorMachine.CURRENT;
        System.out.println("vector_bits=" + m.vectorBits());
        System.out.println("registers=" + m.registers());
        System.out.println("register_source=" + m.registerSource());
        System.out.println("gemm_mr=" + GemmKernel.tileRows());
        System.out.println("gemm_nr=" + GemmKernel.panelWidth());
        System.out.println("lanes=" + m.lanes());
        System.out.println("peak_chains=" + GemmTileBench.peakChains());
        System.out.println("backend=" + Backends.current().describe());
    }
}
