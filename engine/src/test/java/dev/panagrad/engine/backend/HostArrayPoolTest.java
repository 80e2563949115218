package dev.panagrad.engine.backend;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HostArrayPoolTest {
    /** Sizes no other test uses, so that the pool's bins hold only what each test gives. */
    private static final int N = 3 * HostArrayPool.MIN_SIZE + 11;

    @BeforeEach
    @AfterEach
    void emptyPool() {
        HostArrayPool.clear();
        HostArrayPool.setPoison(false);
    }

    @Test
    void aStorageTakesAnArrayOfItsOwnSizeBeforeALongerOne() {
        float[] longer = new float[N + 5];
        float[] exact = new float[N];
        HostArrayPool.give(longer);
        HostArrayPool.give(exact);

        assertThat(HostArrayPool.takeAtLeast(N)).isSameAs(exact);
        assertThat(HostArrayPool.takeAtLeast(N)).isSameAs(longer);
        assertThat(HostArrayPool.takeAtLeast(N)).isNull();
    }

    @Test
    void withoutItsOwnSizeAStorageTakesTheShortestFreeArrayOfUpToTwiceItsSize() {
        float[] twice = new float[2 * N];
        float[] oneAndAHalf = new float[N + N / 2];
        float[] tooLong = new float[2 * N + 1];
        float[] tooShort = new float[N - 1];
        for (float[] a : new float[][] {twice, oneAndAHalf, tooLong, tooShort}) {
            HostArrayPool.give(a);
        }

        assertThat(HostArrayPool.takeAtLeast(N)).isSameAs(oneAndAHalf);
        assertThat(HostArrayPool.takeAtLeast(N)).isSameAs(twice);
        assertThat(HostArrayPool.takeAtLeast(N)).as("over twice the size, or too short").isNull();
    }

    @Test
    void aKernelWorkspaceIsAlwaysExactlyTheSizeAskedFor() {
        HostArrayPool.give(new float[N + 1]);

        assertThat(HostArrayPool.take(N)).isNull();
        assertThat(HostArrayPool.borrow(N)).hasSize(N);
    }

    @Test
    void aPooledStorageOverALongerArrayHoldsOnlyItsOwnValues() {
        float[] longer = new float[N + 7];
        java.util.Arrays.fill(longer, 5f);
        HostArrayPool.give(longer);

        Storage s = Storage.pooled(N, true);

        assertThat(s.size()).isEqualTo(N);
        assertThat(s.read()).isSameAs(longer);
        assertThat(java.util.Arrays.copyOf(s.read(), N)).containsOnly(0f);
    }

    @Test
    void aPoisonedPoolGivesNewStoragesATailOfNaN() {
        HostArrayPool.setPoison(true);

        Storage s = Storage.pooled(N, true);

        assertThat(s.size()).isEqualTo(N);
        assertThat(s.read().length).isGreaterThan(N);
        assertThat(java.util.Arrays.copyOfRange(s.read(), N, s.read().length)).containsOnly(Float.NaN);
    }

    @Test
    void trimDropsWhatNobodyTookSinceTheLastTrim() {
        HostArrayPool.give(new float[N]);
        HostArrayPool.give(new float[N]);
        HostArrayPool.trim(); // starts the count: two free
        float[] used = HostArrayPool.takeAtLeast(N);
        HostArrayPool.give(used);

        assertThat(HostArrayPool.trim()).as("bytes dropped: the array that stayed free").isEqualTo(4L * N);
        assertThat(HostArrayPool.retainedBytes()).isEqualTo(4L * N);
    }
}
