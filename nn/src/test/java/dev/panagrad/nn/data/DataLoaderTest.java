package dev.panagrad.nn.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.panagrad.engine.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DataLoaderTest {
    private final DatasetSplit data = GeneratedImages.split(103, 20, 10, 5, 3, 8, 42);

    @Test
    void randomSamplerSeesEveryImageOncePerEpoch() {
        RandomBatchSampler s = new RandomBatchSampler(103, 10, true, false, 1);
        List<int[]> batches = s.batches(0);
        assertThat(batches).hasSize(11);
        assertThat(batches.get(10)).hasSize(3);
        int[] all = batches.stream().flatMapToInt(Arrays::stream).sorted().toArray();
        assertThat(all).containsExactly(IntStream.range(0, 103).toArray());
        assertThat(s.batches(1).get(0)).isNotEqualTo(batches.get(0));
        assertThat(new RandomBatchSampler(103, 10, true, false, 1).batches(0).get(3)).containsExactly(batches.get(3));
    }

    @Test
    void dropLastLeavesOutTheShortBatch() {
        assertThat(new RandomBatchSampler(103, 10, false, true, 1).batches(0)).hasSize(10).allMatch(b -> b.length == 10);
        assertThat(new RandomBatchSampler(103, 10, false, false, 1).batches(0).get(0)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    @Test
    void batchesAreNchwTensorsScaledToTheUnitInterval() {
        try (DataLoader loader = new DataLoader(data.train(), new RandomBatchSampler(103, 16, true, true, 3),
                Transform.IDENTITY, 2, 2, 9)) {
            List<DataLoader.Batch> batches = new ArrayList<>();
            loader.epoch(0).forEach(batches::add);
            assertThat(batches).hasSize(6);
            DataLoader.Batch b = batches.get(0);
            assertThat(b.images().shape()).isEqualTo(Shape.of(16, 3, 8, 8));
            assertThat(b.labels().numel()).isEqualTo(16);
            assertThat(b.labels().get(5)).isEqualTo(data.train().label(b.indices()[5]));
            assertThat(b.images().get(5, 2, 7, 1)).isCloseTo(data.train().pixel(b.indices()[5], 2 * 64 + 7 * 8 + 1) / 255f,
                    within(1e-7f));
        }
    }

    @Test
    void theWorkerCountDoesNotChangeTheBatches() {
        Transform augment = Transform.compose(List.of(Transform.randomCrop(2), Transform.horizontalFlip(0.5f)));
        List<float[]> reference = null;
        for (int workers : new int[] {0, 1, 3}) {
            try (DataLoader loader = new DataLoader(data.train(), new RandomBatchSampler(103, 16, true, false, 3), augment,
                    workers, 3, 9)) {
                List<float[]> got = new ArrayList<>();
                for (DataLoader.Batch b : loader.epoch(2)) {
                    got.add(b.images().toArray());
                }
                if (reference == null) {
                    reference = got;
                } else {
                    assertThat(got).hasSameSizeAs(reference);
                    for (int i = 0; i < got.size(); i++) {
                        assertThat(got.get(i)).containsExactly(reference.get(i));
                    }
                }
            }
        }
    }

    @Test
    void failuresInWorkersReachTheConsumer() {
        Transform broken = (image, offset, c, h, w, rng) -> {
            throw new IllegalStateException("bad transform");
        };
        try (DataLoader loader = new DataLoader(data.train(), new RandomBatchSampler(103, 16, true, false, 3), broken, 2, 2, 9)) {
            assertThatThrownBy(() -> loader.epoch(0).iterator().next()).hasMessageContaining("bad transform");
        }
    }

    @Test
    void generatedDataIsDeterministicBalancedAndSaysSo() {
        DatasetSplit again = GeneratedImages.split(103, 20, 10, 5, 3, 8, 42);
        assertThat(again.train().pixel(17, 100)).isEqualTo(data.train().pixel(17, 100));
        assertThat(data.train().description()).startsWith("generated data (seed 42)");
        int[] counts = new int[10];
        for (int i = 0; i < 100; i++) {
            counts[data.train().label(i)]++;
        }
        assertThat(counts).containsOnly(10);
        assertThat(data.train().coarseLabel(7)).isEqualTo(7 % 5);
    }

    @Test
    void generatedClassesAreLearnable() {
        // Nearest class mean, fitted on the training set, classifies most test images correctly.
        DatasetSplit d = GeneratedImages.split(1000, 300, 10, 5, 3, 16, 7);
        int n = d.train().imageSize();
        double[][] means = new double[10][n];
        int[] counts = new int[10];
        for (int i = 0; i < d.train().size(); i++) {
            counts[d.train().label(i)]++;
            for (int p = 0; p < n; p++) {
                means[d.train().label(i)][p] += d.train().pixel(i, p);
            }
        }
        int correct = 0;
        for (int i = 0; i < d.test().size(); i++) {
            int best = -1;
            double bestDist = Double.MAX_VALUE;
            for (int c = 0; c < 10; c++) {
                double dist = 0;
                for (int p = 0; p < n; p++) {
                    double diff = d.test().pixel(i, p) - means[c][p] / counts[c];
                    dist += diff * diff;
                }
                if (dist < bestDist) {
                    bestDist = dist;
                    best = c;
                }
            }
            correct += best == d.test().label(i) ? 1 : 0;
        }
        assertThat(correct / 300.0).isGreaterThan(0.8);
    }

    @Test
    void classIndexGroupsImagesByLabel() {
        ClassIndex index = data.train().classIndex();
        assertThat(index.numClasses()).isEqualTo(10);
        assertThat(index.count(3)).isEqualTo(10);
        for (int i : index.members(3)) {
            assertThat(data.train().label(i)).isEqualTo(3);
        }
    }
}
