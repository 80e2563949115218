package dev.panagrad.engine.backend.opencl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeviceArenaTest {

    @Test
    void regionsStartOnSixteenFloatBoundariesAfterTheReservedPrefix() {
        DeviceArena arena = new DeviceArena(1024, 16);
        assertThat(arena.allocate(5)).isEqualTo(16);
        assertThat(arena.allocate(17)).isEqualTo(32);
        assertThat(arena.allocate(1)).isEqualTo(64);
        assertThat(arena.used()).isEqualTo(16 + 32 + 16);
    }

    @Test
    void freedNeighboursMergeSoThatALargeRegionFitsAgain() {
        DeviceArena arena = new DeviceArena(16 + 96, 16);
        int a = arena.allocate(32);
        int b = arena.allocate(32);
        int c = arena.allocate(32);
        assertThat(arena.allocate(16)).isEqualTo(-1);
        arena.release(a, 32);
        arena.release(c, 32);
        arena.release(b, 32);
        assertThat(arena.allocate(96)).isEqualTo(16);
    }

    @Test
    void thePeakFollowsUseAndRestartsFromWhatIsInUse() {
        DeviceArena arena = new DeviceArena(1024, 16);
        int a = arena.allocate(320);
        int b = arena.allocate(160);
        arena.release(a, 320);
        assertThat(arena.peak()).isEqualTo(480);
        arena.resetPeak();
        assertThat(arena.peak()).isEqualTo(160);
        arena.release(b, 160);
        arena.allocate(32);
        assertThat(arena.peak()).isEqualTo(160);
    }
}
