package dev.panagrad.nn.data;

import java.util.List;

/**
 * Decides which images form each batch of an epoch. Implementations are deterministic functions of
 * their seed and the epoch number, so a resumed run sees the same batches.
 */
public interface BatchSampler {
    /** The batches of {@code epoch}, each an array of image indices. */
    List<int[]> batches(int epoch);

    /** Mixes a seed and an epoch (or any other counter) into a new seed. */
    static long mix(long seed, long counter) {
        long z = seed + 0x9E3779B97F4A7C15L * (counter + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
