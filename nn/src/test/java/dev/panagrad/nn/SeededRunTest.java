package dev.panagrad.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.panagrad.engine.backend.Parallel;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.data.DataLoader;
import dev.panagrad.nn.data.DatasetSplit;
import dev.panagrad.nn.data.GeneratedImages;
import dev.panagrad.nn.data.RandomBatchSampler;
import dev.panagrad.nn.data.Transform;
import dev.panagrad.nn.layers.Conv2d;
import dev.panagrad.nn.layers.Dropout;
import dev.panagrad.nn.layers.Flatten;
import dev.panagrad.nn.layers.Linear;
import dev.panagrad.nn.layers.ReLU;
import dev.panagrad.nn.layers.Sequential;
import dev.panagrad.nn.loss.Losses;
import dev.panagrad.nn.optim.Sgd;
import org.junit.jupiter.api.Test;

/**
 * Everything random in training comes from seeds: data order, augmentation, initialisation, dropout.
 * The same seeds give the same bits, however many loader workers build the batches and however many
 * compute threads run the kernels (work is split by problem size, and every sum runs in an order that
 * does not depend on the split).
 */
class SeededRunTest {

    /** Two epochs of a small conv net with dropout on augmented generated images; a hash of all weights. */
    static String run(int workers, int threads) throws Exception {
        int before = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            DatasetSplit data = GeneratedImages.split(192, 16, 4, 2, 3, 16, 9);
            Rng rng = new Rng(21);
            Sequential net = new Sequential(Conv2d.of(3, 8, 3).padding(1).build(rng), new ReLU(), new Flatten(),
                    new Dropout(0.3f, new Rng(22)), new Linear(8 * 16 * 16, 4, rng));
            Sgd opt = new Sgd(net.parameters(), 0.05, 0.9, 0, 5e-4, false);
            Transform augment = Transform.compose(java.util.List.of(Transform.randomCrop(2), Transform.horizontalFlip(0.5f)));
            try (DataLoader loader = new DataLoader(data.train(), new RandomBatchSampler(192, 32, true, true, 23),
                    augment, workers, 2, 24)) {
                for (int epoch = 0; epoch < 2; epoch++) {
                    for (DataLoader.Batch b : loader.epoch(epoch)) {
                        opt.zeroGrad();
                        Tensor loss = Losses.crossEntropy(net.forward(b.images()), b.labels());
                        loss.backward();
                        opt.step();
                    }
                }
            }
            long h = 17;
            for (Tensor p : net.parameters()) {
                for (float v : p.toArray()) {
                    h = h * 31 + Float.floatToIntBits(v);
                }
            }
            return Long.toHexString(h);
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void theSameSeedsGiveTheSameWeightsEveryTime() throws Exception {
        assertThat(run(2, 2)).isEqualTo(run(2, 2));
    }

    @Test
    void theLoaderWorkerCountDoesNotChangeTheWeights() throws Exception {
        assertThat(run(0, 2)).isEqualTo(run(3, 2));
    }

    @Test
    void theComputeThreadCountDoesNotChangeTheWeights() throws Exception {
        assertThat(run(1, 1)).isEqualTo(run(1, 2)).isEqualTo(run(1, 3));
    }
}
