package dev.panagrad.nn.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.panagrad.engine.Rng;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransformTest {
    /** One channel, 3 x 4, values 1..12. */
    private static float[] image() {
        float[] v = new float[12];
        for (int i = 0; i < 12; i++) {
            v[i] = i + 1;
        }
        return v;
    }

    @Test
    void cropShiftsTheImageAndFillsWithZeros() {
        // With this seed the crop offsets are drawn as they are below; recompute them the same way.
        Rng draw = new Rng(5);
        int dy = draw.nextInt(5) - 2;
        int dx = draw.nextInt(5) - 2;
        float[] v = image();
        Transform.randomCrop(2).apply(v, 0, 1, 3, 4, new Rng(5));
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 4; x++) {
                int sy = y + dy;
                int sx = x + dx;
                float expected = sy >= 0 && sy < 3 && sx >= 0 && sx < 4 ? sy * 4 + sx + 1 : 0;
                assertThat(v[y * 4 + x]).isEqualTo(expected);
            }
        }
    }

    @Test
    void cropsReachEveryOffsetOverManySeeds() {
        // A 3 x 3 image of 1..9 cropped with padding 1: the value at the centre tells the offset.
        boolean[] seen = new boolean[10];
        for (int seed = 0; seed < 300; seed++) {
            float[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9};
            Transform.randomCrop(1).apply(v, 0, 1, 3, 3, new Rng(seed));
            seen[(int) v[4]] = true;
        }
        for (int value = 1; value <= 9; value++) {
            assertThat(seen[value]).as("offset showing %d at the centre", value).isTrue();
        }
    }

    @Test
    void flipMirrorsEachRow() {
        float[] v = image();
        Transform.horizontalFlip(1f).apply(v, 0, 1, 3, 4, new Rng(0));
        assertThat(v).containsExactly(4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9);
        float[] w = image();
        Transform.horizontalFlip(0f).apply(w, 0, 1, 3, 4, new Rng(0));
        assertThat(w).containsExactly(image());
    }

    @Test
    void normalizeIsPerChannel() {
        float[] v = {0.5f, 1f, 0f, 0.2f};
        Transform.normalize(new float[] {0.5f, 0.1f}, new float[] {0.5f, 0.1f}).apply(v, 0, 2, 1, 2, new Rng(0));
        assertThat(v).containsExactly(new float[] {0f, 1f, -1f, 1f}, within(1e-6f));
    }

    @Test
    void aSeedFixesThePipeline() {
        Transform t = Transform.compose(List.of(Transform.randomCrop(4), Transform.horizontalFlip(0.5f)));
        float[] a = new float[3 * 32 * 32];
        float[] b = new float[3 * 32 * 32];
        Rng fill = new Rng(2);
        for (int i = 0; i < a.length; i++) {
            a[i] = b[i] = fill.nextFloat();
        }
        t.apply(a, 0, 3, 32, 32, new Rng(77));
        t.apply(b, 0, 3, 32, 32, new Rng(77));
        assertThat(a).containsExactly(b);
    }
}
