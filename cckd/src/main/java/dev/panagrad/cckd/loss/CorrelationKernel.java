package dev.panagrad.cckd.loss;

/**
 * The kernel k(x, y) that builds a batch's correlation matrix psi(F)_ij = k(f_i, f_j) for
 * {@link CorrelationCongruence}. The Gaussian kernels work on L2-normalised rows, where
 * {@code ||x - y||^2 = 2 - 2 s} with s the cosine similarity, so each is a function of s.
 */
public sealed interface CorrelationKernel {

    /** {@code k(x, y) = x . y} on the embeddings as given. */
    record Bilinear() implements CorrelationKernel {
        @Override
        public String toString() {
            return "bilinear";
        }
    }

    /** The exact RBF {@code exp(-gamma ||x - y||^2)} of L2-normalised rows. */
    record Gaussian(double gamma) implements CorrelationKernel {
        @Override
        public String toString() {
            return "gaussian(gamma=" + gamma + ")";
        }
    }

    /**
     * The paper's order-P Taylor expansion of the RBF for L2-normalised rows:
     * {@code k ~= sum_{p=0..P} exp(-2 gamma) (2 gamma)^p / p! s^p}, with s = x . y after normalisation.
     */
    record GaussianTaylor(int order, double gamma) implements CorrelationKernel {
        public GaussianTaylor {
            if (order < 1) {
                throw new IllegalArgumentException("gaussian-taylor: order must be at least 1, got " + order);
            }
        }

        /** The coefficient of s^p. */
        public double coefficient(int p) {
            double c = StrictMath.exp(-2 * gamma);
            for (int i = 1; i <= p; i++) {
                c *= 2 * gamma / i;
            }
            return c;
        }

        @Override
        public String toString() {
            return "gaussian-taylor(P=" + order + ", gamma=" + gamma + ")";
        }
    }

    /**
     * Naive maximum mean discrepancy: the squared distance between the teacher's and the student's mean
     * embeddings (MMD with a linear kernel), the weakest variant in the paper's ablation.
     */
    record Mmd() implements CorrelationKernel {
        @Override
        public String toString() {
            return "mmd";
        }
    }

    /** The paper's default: P = 2, gamma = 0.4. */
    static CorrelationKernel defaultKernel() {
        return new GaussianTaylor(2, 0.4);
    }

    /**
     * Kernel value as a function of the cosine similarity s of two unit vectors (for the test vectors
     * of the method): bilinear gives s itself.
     */
    default double ofCosine(double s) {
        return switch (this) {
            case Bilinear b -> s;
            case Gaussian g -> StrictMath.exp(-g.gamma() * (2 - 2 * s));
            case GaussianTaylor t -> {
                double v = 0;
                for (int p = t.order(); p >= 0; p--) {
                    v = v * s + t.coefficient(p);
                }
                yield v;
            }
            case Mmd m -> throw new UnsupportedOperationException("mmd has no pairwise kernel");
        };
    }

    /**
     * Parses {@code bilinear}, {@code gaussian}, {@code gaussian-taylor} or {@code mmd}, with the given
     * order and gamma where they apply.
     */
    static CorrelationKernel parse(String name, int order, double gamma) {
        return switch (name) {
            case "bilinear" -> new Bilinear();
            case "gaussian" -> new Gaussian(gamma);
            case "gaussian-taylor" -> new GaussianTaylor(order, gamma);
            case "mmd" -> new Mmd();
            default -> throw new IllegalArgumentException("correlation kernel: unknown '" + name
                    + "'; known: bilinear, gaussian, gaussian-taylor, mmd");
        };
    }
}
