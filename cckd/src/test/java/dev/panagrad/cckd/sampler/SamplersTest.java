package dev.panagrad.cckd.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.data.ClassIndex;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SamplersTest {
    /** 1000 images in 20 classes of uneven size (30 to 70). */
    private static int[] labels() {
        int[] y = new int[1000];
        int at = 0;
        for (int c = 0; c < 20 && at < 1000; c++) {
            int count = c < 19 ? 30 + (c % 5) * 10 : 1000 - at;
            for (int i = 0; i < count && at < 1000; i++) {
                y[at++] = c;
            }
        }
        return y;
    }

    @Test
    void classUniformBatchesHoldKSamplesOfEachOfBOverKClasses() {
        int[] y = labels();
        GroupUniformSampler cur = GroupUniformSampler.classUniform(new ClassIndex(y, 20), 64, 4, 1);
        List<int[]> batches = cur.batches(0);
        assertThat(batches).hasSize(1000 / 64);
        for (int[] b : batches) {
            Map<Integer, Integer> perClass = new HashMap<>();
            for (int i : b) {
                perClass.merge(y[i], 1, Integer::sum);
            }
            assertThat(perClass).hasSize(16);
            assertThat(perClass.values()).containsOnly(4);
        }
    }

    @Test
    void everySampleIsSeenAboutOncePerEpoch() {
        int[] y = labels();
        GroupUniformSampler cur = GroupUniformSampler.classUniform(new ClassIndex(y, 20), 40, 4, 3);
        int[] seen = new int[1000];
        for (int[] b : cur.batches(4)) {
            for (int i : b) {
                seen[i]++;
            }
        }
        int once = 0;
        int max = 0;
        for (int s : seen) {
            once += s == 1 ? 1 : 0;
            max = Math.max(max, s);
        }
        // 25 batches of 40 = 1000 draws: nearly every image exactly once, none more than twice.
        assertThat(once).isGreaterThan(950);
        assertThat(max).isLessThanOrEqualTo(2);
    }

    @Test
    void epochsDifferAndSeedsRepeat() {
        int[] y = labels();
        GroupUniformSampler a = GroupUniformSampler.classUniform(new ClassIndex(y, 20), 64, 4, 1);
        GroupUniformSampler b = GroupUniformSampler.classUniform(new ClassIndex(y, 20), 64, 4, 1);
        assertThat(a.batches(2).get(5)).containsExactly(b.batches(2).get(5));
        assertThat(a.batches(2).get(5)).isNotEqualTo(a.batches(3).get(5));
    }

    @Test
    void superclassUniformGroupsByCluster() {
        int[] y = labels();
        int[] superclass = new int[y.length];
        for (int i = 0; i < y.length; i++) {
            superclass[i] = y[i] / 4;
        }
        GroupUniformSampler sur = GroupUniformSampler.superclassUniform(superclass, 5, 20, 4, 9);
        for (int[] b : sur.batches(0)) {
            Map<Integer, Integer> per = new HashMap<>();
            for (int i : b) {
                per.merge(superclass[i], 1, Integer::sum);
            }
            assertThat(per).hasSize(5);
            assertThat(per.values()).containsOnly(4);
        }
    }

    @Test
    void impossibleBatchesAreRejected() {
        int[] y = labels();
        assertThatThrownBy(() -> GroupUniformSampler.classUniform(new ClassIndex(y, 20), 64, 3, 1))
                .hasMessage("CUR: batch size 64 must be a multiple of k = 3");
        assertThatThrownBy(() -> GroupUniformSampler.classUniform(new ClassIndex(y, 20), 64, 2, 1))
                .hasMessage("CUR: a batch of 64 with k = 2 needs 32 groups, but only 20 have samples");
    }

    @Test
    void kMeansRecoversPlantedClusters() {
        Rng rng = new Rng(4);
        int k = 5;
        int d = 16;
        int n = 500;
        Tensor centres = Tensor.randn(rng, k, d);
        float[] points = new float[n * d];
        int[] truth = new int[n];
        for (int i = 0; i < n; i++) {
            truth[i] = i % k;
            for (int j = 0; j < d; j++) {
                points[i * d + j] = centres.get(truth[i], j) + 0.05f * (float) rng.nextGaussian();
            }
        }
        KMeans.Result r = KMeans.fit(Tensor.of(points, n, d), k, 50, 11);
        // Every planted cluster maps to exactly one found cluster.
        int[] mapping = new int[k];
        java.util.Arrays.fill(mapping, -1);
        for (int i = 0; i < n; i++) {
            if (mapping[truth[i]] < 0) {
                mapping[truth[i]] = r.assignments()[i];
            }
            assertThat(r.assignments()[i]).isEqualTo(mapping[truth[i]]);
        }
        assertThat(java.util.Arrays.stream(mapping).distinct().count()).isEqualTo(k);
        assertThat(r.sizes()).containsOnly(100);
    }

    @Test
    void kMeansIsDeterministicForASeed() {
        Tensor x = Tensor.randn(new Rng(5), 200, 8);
        assertThat(KMeans.fit(x, 6, 30, 2).assignments()).containsExactly(KMeans.fit(x, 6, 30, 2).assignments());
    }
}
