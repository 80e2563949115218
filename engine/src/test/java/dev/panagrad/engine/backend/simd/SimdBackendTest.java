package dev.panagrad.engine.backend.simd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.backend.BackendKernelContract;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The {@code simd} backend's kernels against the scalar oracle. The build runs this class at the machine's
 * widest species, with the Vector API limited to 128 bits (the machine's registers) and to 256 bits with
 * 32 registers (the tiles of AVX-512 at 256 bits), and in a JVM restricted to AVX2 (256 bits, 16
 * registers): every register tile runs on every machine.
 */
@Tag("kernels")
class SimdBackendTest extends BackendKernelContract {

    @Override
    protected Backend backend() {
        return new SimdBackend();
    }

    @Test
    void runsAtTheRequestedVectorWidth() {
        Integer bits = Integer.getInteger("panagrad.test.vectorBits");
        assumeThat(bits).as("no vector width requested").isNotNull();
        assertThat(FloatVector.SPECIES_PREFERRED.vectorBitSize()).isEqualTo(bits);
        assertThat(VectorMachine.CURRENT.vectorBits()).isEqualTo(bits);
        // The tiles are whole vectors of this width, and the description says which ran.
        assertThat(GemmKernel.NR).isEqualTo(GemmKernel.TILE.vectors() * bits / Float.SIZE);
        assertThat(new SimdBackend().describe()).contains(bits + "-bit float vectors")
                .contains("GEMM tile " + GemmKernel.MR + " x " + GemmKernel.NR);
    }

    @Test
    void choosesTilesForTheRequestedRegisterCount() {
        Integer registers = Integer.getInteger("panagrad.test.registers");
        assumeThat(registers).as("no register count requested").isNotNull();
        assertThat(VectorMachine.CURRENT.registers()).isEqualTo(registers);
        List<RegisterTile> gemm = registers >= 32 ? List.of(RegisterTile.of(6, 2))
                : List.of(RegisterTile.of(5, 2), RegisterTile.of(3, 3));
        RegisterTile direct = registers >= 32 ? RegisterTile.of(8, 2) : RegisterTile.of(4, 2);
        assertThat(GemmKernel.TILES).isEqualTo(gemm);
        assertThat(GemmKernel.TILE).isEqualTo(gemm.get(0));
        assertThat(DirectConvolution.TILE).isEqualTo(direct);
        assertThat(ChannelConvolution.FORWARD_TILE).isEqualTo(registers >= 32 ? RegisterTile.of(8, 2) : RegisterTile.of(4, 2));
        assertThat(ChannelConvolution.WEIGHT_TILE).isEqualTo(registers >= 32 ? RegisterTile.of(9, 2) : RegisterTile.of(3, 2));
        assertThat(ChannelConvolution.TILES_FIT).isTrue();
    }
}
