package dev.panagrad.cckd.train;

import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Tensor;

/**
 * Retrieval quality of an embedding space, as the paper measures re-identification and face
 * recognition. Each image queries all the others, ranked by cosine similarity (highest first; equal
 * similarities in gallery order); an image of the query's class is a true match.
 * <ul>
 *   <li>CMC rank-k: the fraction of queries with a true match among their k first results;</li>
 *   <li>mAP: the mean over queries of average precision, {@code AP = (1/R) sum over the R true matches
 *       of (true matches up to and including it) / (its rank)}, the area under the query's
 *       precision-recall curve.</li>
 * </ul>
 * A query with no true match (the only image of its class) can neither succeed nor fail; as in the
 * Market-1501 protocol it is left out, and {@link #queries} counts those that remain.
 */
public record Retrieval(double rank1, double rank5, double rank10, double meanAveragePrecision, int queries) {
    /** Queries whose similarities are computed in one product: bounds the memory to this many rows. */
    private static final int QUERY_BLOCK = 512;

    /** Over a model's embeddings of a set of images ({@link Embeddings#of}). */
    public static Retrieval of(Embeddings e) {
        return of(e.vectors(), e.labels());
    }

    /** No queries: for records written before retrieval was measured. */
    public static Retrieval none() {
        return new Retrieval(Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);
    }

    /**
     * Over embeddings [n, d] with their classes.
     *
     * @throws IllegalArgumentException when the labels do not match the rows
     */
    public static Retrieval of(Tensor embeddings, int[] labels) {
        if (embeddings.rank() != 2 || embeddings.size(0) != labels.length) {
            throw new IllegalArgumentException("Retrieval: embeddings must be [n, d] with n = " + labels.length
                    + " labels, got " + embeddings.shape());
        }
        int n = labels.length;
        int[] hits = new int[3]; // queries with a true match within rank 1, 5, 10
        double apSum = 0;
        int queries = 0;
        try (var ignored = Grad.disabled()) {
            Tensor e = embeddings.normalize(1);
            Tensor gallery = e.t();
            for (int q0 = 0; q0 < n; q0 += QUERY_BLOCK) {
                int rows = Math.min(QUERY_BLOCK, n - q0);
                float[] sim = e.narrow(0, q0, rows).matmul(gallery).toArray();
                for (int r = 0; r < rows; r++) {
                    Ranking ranking = rank(sim, r * n, n, q0 + r, labels);
                    if (ranking.matches() == 0) {
                        continue;
                    }
                    queries++;
                    hits[0] += ranking.firstMatch() <= 1 ? 1 : 0;
                    hits[1] += ranking.firstMatch() <= 5 ? 1 : 0;
                    hits[2] += ranking.firstMatch() <= 10 ? 1 : 0;
                    apSum += ranking.averagePrecision();
                }
            }
        }
        if (queries == 0) {
            return none();
        }
        return new Retrieval(hits[0] / (double) queries, hits[1] / (double) queries, hits[2] / (double) queries,
                apSum / queries, queries);
    }

    /** One query's results: how many true matches, the rank of the first (1-based), and its AP. */
    record Ranking(int matches, int firstMatch, double averagePrecision) {
    }

    /**
     * Ranks the gallery (all images but {@code query}) for one row of similarities {@code sim[off, off +
     * n)}. The position of gallery image j is 1 + the number of others ranked before it: higher
     * similarity, or equal similarity and a lower index.
     */
    static Ranking rank(float[] sim, int off, int n, int query, int[] labels) {
        // Sort keys: the similarity's bits, made to order like the negated float (highest first), above
        // the gallery index, so that one primitive sort ranks by similarity and then by index.
        long[] keys = new long[n - 1];
        for (int j = 0, k = 0; j < n; j++) {
            if (j != query) {
                int bits = Float.floatToIntBits(-sim[off + j]);
                bits ^= (bits >> 31) & 0x7fffffff;
                keys[k++] = ((long) bits << 32) | j;
            }
        }
        java.util.Arrays.sort(keys);
        int matches = 0;
        int first = 0;
        double precisionSum = 0;
        for (int rank = 1; rank <= keys.length; rank++) {
            if (labels[(int) keys[rank - 1]] == labels[query]) {
                matches++;
                if (first == 0) {
                    first = rank;
                }
                precisionSum += matches / (double) rank;
            }
        }
        return new Ranking(matches, first, matches == 0 ? 0 : precisionSum / matches);
    }
}
