package dev.panagrad.cckd.sampler;

import dev.panagrad.engine.Rng;
import dev.panagrad.nn.data.BatchSampler;
import dev.panagrad.nn.data.ClassIndex;
import java.util.ArrayList;
import java.util.List;

/**
 * Batches of {@code batchSize / k} groups with {@code k} samples each: class-uniform random sampling
 * (CUR) when the groups are classes, superclass-uniform random sampling (SUR) when they are clusters
 * of the teacher's embeddings. Correlation congruence compares samples within a batch, and with 100
 * classes and a plain shuffle same-class pairs are rare; these samplers guarantee them.
 *
 * <p>An epoch has {@code N / batchSize} batches, as a plain shuffle would. Each group's samples are
 * used in a fresh random order, and groups are drawn with probability proportional to how many of
 * their samples the epoch has not used yet, so every sample appears about once per epoch. A group
 * that runs out mid-batch starts a new random order.
 */
public final class GroupUniformSampler implements BatchSampler {
    private final int[][] members;
    private final int size;
    private final int batchSize;
    private final int k;
    private final long seed;

    private GroupUniformSampler(int[][] members, int size, int batchSize, int k, long seed, String what) {
        if (k < 1 || batchSize % k != 0) {
            throw new IllegalArgumentException(what + ": batch size " + batchSize + " must be a multiple of k = " + k);
        }
        int perBatch = batchSize / k;
        int nonEmpty = 0;
        for (int[] m : members) {
            nonEmpty += m.length > 0 ? 1 : 0;
        }
        if (perBatch > nonEmpty) {
            throw new IllegalArgumentException(what + ": a batch of " + batchSize + " with k = " + k + " needs "
                    + perBatch + " groups, but only " + nonEmpty + " have samples");
        }
        this.members = members;
        this.size = size;
        this.batchSize = batchSize;
        this.k = k;
        this.seed = seed;
    }

    /** CUR(k): k samples from each of {@code batchSize / k} classes. */
    public static GroupUniformSampler classUniform(ClassIndex classes, int batchSize, int k, long seed) {
        int[][] members = new int[classes.numClasses()][];
        for (int c = 0; c < members.length; c++) {
            members[c] = classes.members(c);
        }
        return new GroupUniformSampler(members, classes.size(), batchSize, k, seed, "CUR");
    }

    /** SUR(k): k samples from each of {@code batchSize / k} superclasses, given each sample's superclass. */
    public static GroupUniformSampler superclassUniform(int[] superclassOf, int superclasses, int batchSize, int k, long seed) {
        ClassIndex index = new ClassIndex(superclassOf, superclasses);
        int[][] members = new int[superclasses][];
        for (int c = 0; c < superclasses; c++) {
            members[c] = index.members(c);
        }
        return new GroupUniformSampler(members, superclassOf.length, batchSize, k, seed, "SUR");
    }

    @Override
    public List<int[]> batches(int epoch) {
        Rng rng = new Rng(BatchSampler.mix(seed, epoch));
        int groups = members.length;
        int[][] order = new int[groups][];
        int[] used = new int[groups];
        long[] remaining = new long[groups];
        for (int g = 0; g < groups; g++) {
            order[g] = members[g].clone();
            rng.shuffle(order[g]);
            remaining[g] = order[g].length;
        }
        int perBatch = batchSize / k;
        int count = size / batchSize;
        List<int[]> out = new ArrayList<>(count);
        boolean[] chosen = new boolean[groups];
        for (int b = 0; b < count; b++) {
            int[] batch = new int[batchSize];
            java.util.Arrays.fill(chosen, false);
            for (int slot = 0; slot < perBatch; slot++) {
                int g = pick(rng, remaining, chosen);
                chosen[g] = true;
                for (int j = 0; j < k; j++) {
                    if (used[g] == order[g].length) {
                        rng.shuffle(order[g]); // this group is exhausted: start a new pass over it
                        used[g] = 0;
                    }
                    batch[slot * k + j] = order[g][used[g]++];
                    remaining[g] = Math.max(0, remaining[g] - 1);
                }
            }
            out.add(batch);
        }
        return out;
    }

    /** A group not yet in this batch, drawn with probability proportional to its unused samples (or uniformly if none are left). */
    private int pick(Rng rng, long[] remaining, boolean[] chosen) {
        long total = 0;
        for (int g = 0; g < remaining.length; g++) {
            if (!chosen[g] && members[g].length > 0) {
                total += remaining[g];
            }
        }
        if (total == 0) {
            int candidates = 0;
            for (int g = 0; g < remaining.length; g++) {
                candidates += !chosen[g] && members[g].length > 0 ? 1 : 0;
            }
            int r = rng.nextInt(candidates);
            for (int g = 0; g < remaining.length; g++) {
                if (!chosen[g] && members[g].length > 0 && r-- == 0) {
                    return g;
                }
            }
        }
        long r = (long) (rng.nextDouble() * total);
        for (int g = 0; g < remaining.length; g++) {
            if (!chosen[g] && members[g].length > 0) {
                r -= remaining[g];
                if (r < 0) {
                    return g;
                }
            }
        }
        for (int g = remaining.length - 1; g >= 0; g--) {
            if (!chosen[g] && members[g].length > 0 && remaining[g] > 0) {
                return g;
            }
        }
        throw new IllegalStateException("no group left to draw");
    }
}
