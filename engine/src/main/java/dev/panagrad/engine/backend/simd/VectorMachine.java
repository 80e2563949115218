package dev.panagrad.engine.backend.simd;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import jdk.incubator.vector.FloatVector;

/**
 * What the kernels need to know about the vector unit they run on, read once at start-up: the width of
 * the preferred float species, the number of vector registers, and the size of the L2 cache. Register
 * tiles and cache blocks are derived from these, never tuned to one CPU.
 *
 * <p>Registers: x86 has 16 with AVX2 and 32 with AVX-512 (also at 256 and 128 bits, through AVX-512VL);
 * AArch64 has 32. On x86 the JVM's own {@code UseAVX} flag says which instruction set C2 emits, so
 * {@code -XX:UseAVX=2} on an AVX-512 machine behaves as an AVX2 machine. {@code -Dpanagrad.vectorRegisters}
 * overrides the count.
 *
 * <p>A register tile of {@code rows} broadcast values by {@code vectors} loaded vectors needs
 * {@code rows * vectors} accumulators, and C2's scheduler may hold several of one step's loads and
 * broadcasts at once: in GEMM's 6 x 2 tile at {@code UseAVX=2} it held both vectors of B and three
 * broadcasts (17 registers) and kept one accumulator on the stack. Counting all {@code rows + vectors}
 * operands is the bound that holds whatever it schedules. A tile that does not fit loses half its speed
 * or more (the disassembly and the measurements are in bench/RESULTS.md).
 */
public record VectorMachine(String arch, int vectorBits, int registers, String registerSource, int l2Bytes,
                            String l2Source) {

    /** The machine this JVM runs on. */
    public static final VectorMachine CURRENT = detect();

    /** Floats per vector of the preferred species. */
    public int lanes() {
        return vectorBits / Float.SIZE;
    }

    /** Whether a tile of {@code rows} broadcasts by {@code vectors} loaded vectors stays in registers. */
    public boolean fits(int rows, int vectors) {
        return fits(RegisterTile.of(rows, vectors));
    }

    /** Whether the tile stays in registers. */
    public boolean fits(RegisterTile tile) {
        return tile.registers() <= registers;
    }

    /** One line for logs. */
    public String describe() {
        return vectorBits + "-bit float vectors, " + registers + " vector registers (" + registerSource + "), L2 "
                + l2Bytes / 1024 + " KB (" + l2Source + ")";
    }

    static VectorMachine detect() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        int bits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        int registers;
        String source;
        Integer forced = Integer.getInteger("panagrad.vectorRegisters");
        if (forced != null) {
            registers = forced;
            source = "-Dpanagrad.vectorRegisters";
        } else if (arch.equals("aarch64") || arch.equals("arm64") || arch.startsWith("riscv")) {
            registers = 32;
            source = arch;
        } else {
            Integer useAvx = useAvx();
            if (useAvx != null) {
                registers = registersForAvx(useAvx);
                source = "UseAVX=" + useAvx;
            } else {
                // Without the flag, only a 512-bit species proves AVX-512.
                registers = bits >= 512 ? 32 : 16;
                source = bits + "-bit species";
            }
        }
        long l2 = l2FromSysfs();
        return new VectorMachine(arch, bits, registers, source, l2 > 0 ? (int) l2 : DEFAULT_L2,
                l2 > 0 ? "sysfs" : "assumed");
    }

    /** x86 vector registers for a {@code UseAVX} level: 32 with AVX-512 (level 3), else 16. */
    static int registersForAvx(int useAvx) {
        return useAvx >= 3 ? 32 : 16;
    }

    /** L2 size assumed where the OS does not say (virtual machines often hide it): 1 MB a core. */
    static final int DEFAULT_L2 = 1 << 20;

    private static Integer useAvx() {
        try {
            var bean = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            return Integer.valueOf(bean.getVMOption("UseAVX").getValue());
        } catch (RuntimeException | LinkageError e) {
            return null; // not HotSpot, not x86, or jdk.management absent from the runtime image
        }
    }

    private static long l2FromSysfs() {
        for (int index = 0; index < 8; index++) {
            Path dir = Path.of("/sys/devices/system/cpu/cpu0/cache/index" + index);
            try {
                if (!Files.readString(dir.resolve("level")).trim().equals("2")) {
                    continue;
                }
                String size = Files.readString(dir.resolve("size")).trim().toUpperCase(Locale.ROOT);
                long unit = size.endsWith("K") ? 1024 : size.endsWith("M") ? 1 << 20 : 1;
                return Long.parseLong(size.replaceAll("[^0-9]", "")) * unit;
            } catch (java.io.IOException | RuntimeException e) {
                return -1;
            }
        }
        return -1;
    }
}
