package dev.panagrad.nn.data;

import dev.panagrad.engine.Rng;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Uniform random batches (the usual shuffle, "UR"): a fresh permutation of all images each epoch, cut
 * into batches; with {@code dropLast} the incomplete last batch is left out.
 */
public final class RandomBatchSampler implements BatchSampler {
    private final int size;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private final long seed;

    public RandomBatchSampler(int size, int batchSize, boolean shuffle, boolean dropLast, long seed) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("RandomBatchSampler: batch size must be positive, got " + batchSize);
        }
        this.size = size;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.dropLast = dropLast;
        this.seed = seed;
    }

    @Override
    public List<int[]> batches(int epoch) {
        int[] order = new int[size];
        Arrays.setAll(order, i -> i);
        if (shuffle) {
            new Rng(BatchSampler.mix(seed, epoch)).shuffle(order);
        }
        List<int[]> out = new ArrayList<>();
        for (int from = 0; from < size; from += batchSize) {
            int to = Math.min(size, from + batchSize);
            if (to - from < batchSize && dropLast) {
                break;
            }
            out.add(Arrays.copyOfRange(order, from, to));
        }
        return out;
    }
}
