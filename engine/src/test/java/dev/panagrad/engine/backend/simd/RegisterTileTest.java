package dev.panagrad.engine.backend.simd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which register tile each kind of machine gets, from its vector width and register count alone. */
class RegisterTileTest {
    private static final List<RegisterTile> GEMM = List.of(RegisterTile.of(6, 2), RegisterTile.of(3, 3));
    private static final List<RegisterTile> DIRECT = List.of(RegisterTile.of(8, 2), RegisterTile.of(3, 3));

    private static VectorMachine machine(int bits, int registers) {
        return new VectorMachine("amd64", bits, registers, "test", 1 << 20, "test");
    }

    @Test
    void aTileNeedsItsAccumulatorsPlusOneStepOfLoadsAndBroadcasts() {
        assertThat(RegisterTile.of(6, 2).registers()).isEqualTo(12 + 6 + 2);
        assertThat(RegisterTile.of(3, 3).registers()).isEqualTo(9 + 3 + 3);
        assertThat(machine(256, 16).fits(3, 3)).isTrue();
        assertThat(machine(256, 16).fits(5, 2)).as("17 registers").isFalse();
        assertThat(machine(512, 32).fits(8, 3)).as("35 registers").isFalse();
    }

    @Test
    void avx2GetsTheThreeByThreeTiles() {
        assertThat(RegisterTile.choose(machine(256, 16), GEMM, null)).isEqualTo(RegisterTile.of(3, 3));
        assertThat(RegisterTile.choose(machine(256, 16), DIRECT, null)).isEqualTo(RegisterTile.of(3, 3));
    }

    @Test
    void thirtyTwoRegistersGetTheLargerTilesAtEveryWidth() {
        for (int bits : new int[] {128, 256, 512}) {
            assertThat(RegisterTile.choose(machine(bits, 32), GEMM, null)).as("%d bits", bits).isEqualTo(RegisterTile.of(6, 2));
            assertThat(RegisterTile.choose(machine(bits, 32), DIRECT, null)).as("%d bits", bits).isEqualTo(RegisterTile.of(8, 2));
        }
    }

    @Test
    void aMachineWithTooFewRegistersForAnyTileGetsTheSmallest() {
        assertThat(RegisterTile.choose(machine(128, 8), GEMM, null)).isEqualTo(RegisterTile.of(3, 3));
    }

    @Test
    void aForcedTileMustBeOneThatIsWritten() {
        assertThat(RegisterTile.choose(machine(512, 32), GEMM, "3x3")).isEqualTo(RegisterTile.of(3, 3));
        assertThatThrownBy(() -> RegisterTile.choose(machine(512, 32), GEMM, "4x4"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4x4").hasMessageContaining("[6x2, 3x3]");
    }

    @Test
    void x86RegistersFollowTheJvmsAvxLevel() {
        assertThat(VectorMachine.registersForAvx(1)).isEqualTo(16);
        assertThat(VectorMachine.registersForAvx(2)).isEqualTo(16);
        assertThat(VectorMachine.registersForAvx(3)).isEqualTo(32);
    }
}
