package dev.panagrad.cckd.sampler;

import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;

/**
 * Seeded k-means with k-means++ initialisation (Arthur and Vassilvitskii, 2007), on L2-normalised rows,
 * as SUR clusters the teacher's embeddings into superclasses. Distances are computed as one GEMM per
 * iteration: {@code |x|^2 + |c|^2 - 2 x . c}.
 */
public final class KMeans {
    private KMeans() {
    }

    /** Clusters and how well they fit. */
    public record Result(int[] assignments, Tensor centroids, int iterations, double inertia) {
        /** Number of points in each cluster. */
        public int[] sizes() {
            int[] s = new int[centroids.size(0)];
            for (int a : assignments) {
                s[a]++;
            }
            return s;
        }
    }

    /**
     * @param points [n, d]; rows are L2-normalised before clustering
     * @param k      number of clusters, at most n
     */
    public static Result fit(Tensor points, int k, int maxIterations, long seed) {
        if (points.rank() != 2 || k < 1 || k > points.size(0)) {
            throw new IllegalArgumentException("kMeans: cannot make " + k + " clusters of points " + points.shape());
        }
        try (var ignored = Grad.disabled()) {
            Tensor x = points.normalize(1);
            int n = x.size(0);
            int d = x.size(1);
            float[] xs = x.toArray();
            float[] sqNorms = x.mul(x).sum(1).toArray();
            Rng rng = new Rng(seed);
            float[] centroids = initialise(xs, sqNorms, n, d, k, rng);
            int[] assign = new int[n];
            java.util.Arrays.fill(assign, -1);
            double inertia = 0;
            int iter = 0;
            while (iter < maxIterations) {
                iter++;
                float[] dist = distances(x, sqNorms, centroids, k, d);
                boolean changed = false;
                inertia = 0;
                for (int i = 0; i < n; i++) {
                    int best = 0;
                    for (int c = 1; c < k; c++) {
                        if (dist[i * k + c] < dist[i * k + best]) {
                            best = c;
                        }
                    }
                    inertia += Math.max(0, dist[i * k + best]);
                    if (best != assign[i]) {
                        assign[i] = best;
                        changed = true;
                    }
                }
                if (!changed) {
                    break;
                }
                centroids = update(xs, assign, n, d, k, dist);
            }
            return new Result(assign, Tensor.of(centroids, k, d), iter, inertia);
        }
    }

    /** k-means++: each next centre drawn with probability proportional to its squared distance to the nearest chosen one. */
    private static float[] initialise(float[] xs, float[] sqNorms, int n, int d, int k, Rng rng) {
        float[] c = new float[k * d];
        int first = rng.nextInt(n);
        System.arraycopy(xs, first * d, c, 0, d);
        double[] nearest = new double[n];
        for (int i = 0; i < n; i++) {
            nearest[i] = squaredDistance(xs, i, c, 0, d);
        }
        for (int j = 1; j < k; j++) {
            double total = 0;
            for (double v : nearest) {
                total += v;
            }
            int pick;
            if (total <= 0) {
                pick = rng.nextInt(n);
            } else {
                double r = rng.nextDouble() * total;
                pick = n - 1;
                for (int i = 0; i < n; i++) {
                    r -= nearest[i];
                    if (r < 0) {
                        pick = i;
                        break;
                    }
                }
            }
            System.arraycopy(xs, pick * d, c, j * d, d);
            for (int i = 0; i < n; i++) {
                nearest[i] = Math.min(nearest[i], squaredDistance(xs, i, c, j, d));
            }
        }
        return c;
    }

    /** [n, k] squared distances. */
    private static float[] distances(Tensor x, float[] sqNorms, float[] centroids, int k, int d) {
        Tensor c = Tensor.of(centroids, k, d);
        float[] dots = x.matmul(c.t()).toArray();
        float[] cn = c.mul(c).sum(1).toArray();
        int n = sqNorms.length;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                dots[i * k + j] = sqNorms[i] + cn[j] - 2 * dots[i * k + j];
            }
        }
        return dots;
    }

    /** New centroids: the means of their points; an empty cluster moves to the point farthest from its centre. */
    private static float[] update(float[] xs, int[] assign, int n, int d, int k, float[] dist) {
        double[] sums = new double[k * d];
        int[] counts = new int[k];
        for (int i = 0; i < n; i++) {
            counts[assign[i]]++;
            for (int j = 0; j < d; j++) {
                sums[assign[i] * d + j] += xs[i * d + j];
            }
        }
        float[] c = new float[k * d];
        for (int j = 0; j < k; j++) {
            if (counts[j] == 0) {
                int far = 0;
                for (int i = 1; i < n; i++) {
                    if (dist[i * k + assign[i]] > dist[far * k + assign[far]]) {
                        far = i;
                    }
                }
                System.arraycopy(xs, far * d, c, j * d, d);
                continue;
            }
            for (int t = 0; t < d; t++) {
                c[j * d + t] = (float) (sums[j * d + t] / counts[j]);
            }
        }
        return c;
    }

    private static double squaredDistance(float[] xs, int i, float[] c, int j, int d) {
        double s = 0;
        for (int t = 0; t < d; t++) {
            double diff = xs[i * d + t] - c[j * d + t];
            s += diff * diff;
        }
        return s;
    }
}
