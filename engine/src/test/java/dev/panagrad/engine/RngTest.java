package dev.panagrad.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RngTest {

    @Test
    void aSeedFixesTheSequence() {
        Rng a = new Rng(42);
        Rng b = new Rng(42);
        for (int i = 0; i < 100; i++) {
            assertThat(a.nextLong()).isEqualTo(b.nextLong());
        }
    }

    @Test
    void theSequenceIsPinned() {
        // A change of algorithm would silently change every seeded run; this fails first.
        Rng r = new Rng(0);
        assertThat(r.nextLong()).isEqualTo(-7355399402456485196L);
        assertThat(r.nextLong()).isEqualTo(-4652746763540216534L);
    }

    @Test
    void nextIntIsUniformOverItsBound() {
        Rng r = new Rng(1);
        int[] counts = new int[7];
        for (int i = 0; i < 70_000; i++) {
            counts[r.nextInt(7)]++;
        }
        for (int c : counts) {
            assertThat(c).isBetween(9_500, 10_500);
        }
    }

    @Test
    void nextIntRejectsANonPositiveBound() {
        assertThatThrownBy(() -> new Rng(1).nextInt(0)).hasMessage("nextInt: bound must be positive, got 0");
    }

    @Test
    void shuffleIsAPermutation() {
        int[] a = new int[50];
        Arrays.setAll(a, i -> i);
        new Rng(3).shuffle(a);
        assertThat(a).containsExactlyInAnyOrder(java.util.stream.IntStream.range(0, 50).toArray());
        assertThat(a).isNotEqualTo(java.util.stream.IntStream.range(0, 50).toArray());
    }

    @Test
    void splitStreamsDiffer() {
        Rng r = new Rng(9);
        Rng s = r.split();
        assertThat(s.nextLong()).isNotEqualTo(r.nextLong());
    }
}
