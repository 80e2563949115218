package dev.panagrad.engine.backend.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ArenaSizeTest {
    private static final long GIB = 1L << 30;

    @Test
    void takesThreeQuartersOfTheDeviceMemoryWhenNothingElseLimitsIt() {
        ArenaSize size = ArenaSize.choose(2 * GIB, 2 * GIB, 64 * GIB, null);
        assertThat(size.floats()).isEqualTo(3 * GIB / 2 / 4);
        assertThat(size.mebibytes()).isEqualTo(1536);
        assertThat(size.limit()).isEqualTo("3/4 of the device's global memory");
    }

    @Test
    void staysWithinOneAllocationOfTheDevice() {
        ArenaSize size = ArenaSize.choose(16 * GIB, GIB, 64 * GIB, null);
        assertThat(size.floats()).isEqualTo(GIB / 4);
        assertThat(size.limit()).isEqualTo("the device's largest allocation");
    }

    @Test
    void aLargeGpuIsCappedAtTheLargestBufferAparapiCanDescribe() {
        // An H200-sized device: 141 GiB, a quarter of it per allocation, in a 48 GiB heap. Aparapi counts a
        // buffer's bytes in an int: 2^31 - 1 bytes, 536 870 911 floats, 536 870 896 in whole 16-float blocks.
        ArenaSize size = ArenaSize.choose(141 * GIB, 141 * GIB / 4, 48 * GIB, null);
        assertThat(size.floats()).isEqualTo(536_870_896L);
        assertThat(size.floats() * 4).isLessThanOrEqualTo(Integer.MAX_VALUE);
        assertThat(size.limit()).startsWith("2 GiB");
    }

    @Test
    void leavesHalfTheHeapForTheHostAndSaysToRaiseXmx() {
        ArenaSize size = ArenaSize.choose(80 * GIB, 20 * GIB, 2 * GIB, null);
        assertThat(size.floats()).isEqualTo(GIB / 4);
        assertThat(size.limit()).contains("Java heap").contains("-Xmx");
    }

    @Test
    void theRequestedSizeWinsWithinTheLimits() {
        assertThat(ArenaSize.choose(80 * GIB, 20 * GIB, 64 * GIB, 1024).mebibytes()).isEqualTo(1024);
        assertThat(ArenaSize.choose(80 * GIB, 20 * GIB, 64 * GIB, 1024).limit()).isEqualTo("panagrad.opencl.memoryMB");
        assertThat(ArenaSize.choose(80 * GIB, GIB, 64 * GIB, 4096).mebibytes()).isEqualTo(1024);
    }

    @Test
    void rejectsANonPositiveRequestAndAnArenaTooSmallToUse() {
        assertThatThrownBy(() -> ArenaSize.choose(GIB, GIB, GIB, 0))
                .hasMessageContaining("panagrad.opencl.memoryMB must be positive, was 0");
        assertThatThrownBy(() -> ArenaSize.choose(GIB, GIB, 1L << 20, null))
                .hasMessageContaining("it needs at least 1 MiB").hasMessageContaining("Java heap");
    }
}
