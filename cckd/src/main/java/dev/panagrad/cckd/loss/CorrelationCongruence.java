package dev.panagrad.cckd.loss;

import dev.panagrad.engine.Autograd;
import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.Backends;
import dev.panagrad.engine.ops.LinearAlgebra;

/**
 * The correlation-congruence loss of CCKD (Peng et al., ICCV 2019):
 * {@code L_CC = (1/n^2) ||psi(F_t) - psi(F_s)||_F^2}, the mean squared difference between the teacher's
 * and the student's n x n correlation matrices over one batch. The teacher side is a constant: no
 * gradient reaches it.
 *
 * <p>For the bilinear and Gaussian-Taylor kernels the forward is one n x n GEMM and a polynomial, and
 * the backward is written by hand: with X^ the row-normalised student embeddings, S = X^ X^T, C = g(S),
 * {@code G = 2 (C_s - C_t) g'(S) / n^2}, {@code dL/dX^ = (G + G^T) X^ = 2 G X^} (G is symmetric), then
 * through the normalisation {@code dx_i = (dx^_i - x^_i (x^_i . dx^_i)) / max(||x_i||, eps)}. The exact
 * Gaussian and MMD are composed from differentiable engine ops.
 */
public final class CorrelationCongruence {
    /** Norm floor of the row normalisation, as {@code F.normalize}. */
    public static final float EPS = 1e-12f;

    private CorrelationCongruence() {
    }

    /**
     * @param student embeddings [n, d], requiring grad
     * @param teacher embeddings [n, d] of the same batch, used as constants
     * @return the scalar loss
     */
    public static Tensor loss(Tensor student, Tensor teacher, CorrelationKernel kernel) {
        if (student.rank() != 2 || !student.shape().equals(teacher.shape())) {
            throw new IllegalArgumentException("correlationCongruence: student " + student.shape() + " and teacher "
                    + teacher.shape() + " embeddings must both be [n, d]; project the student to the teacher's width first");
        }
        Tensor t = teacher.detach();
        return switch (kernel) {
            case CorrelationKernel.Bilinear b -> polynomial(student, t, new float[] {0, 1}, false);
            case CorrelationKernel.GaussianTaylor g -> polynomial(student, t, coefficients(g), true);
            case CorrelationKernel.Gaussian g -> exactGaussian(student, t, g.gamma());
            case CorrelationKernel.Mmd m -> {
                Tensor diff = student.mean(0).sub(t.mean(0));
                yield diff.mul(diff).sum();
            }
        };
    }

    /** The paper's loss with the default kernel (gaussian-taylor, P = 2, gamma = 0.4). */
    public static Tensor loss(Tensor student, Tensor teacher) {
        return loss(student, teacher, CorrelationKernel.defaultKernel());
    }

    /** The correlation matrix psi(F) [n, n] of embeddings [n, d], without a graph (for inspection and figures). */
    public static Tensor correlationMatrix(Tensor f, CorrelationKernel kernel) {
        try (var ignored = Grad.disabled()) {
            return switch (kernel) {
                case CorrelationKernel.Bilinear b -> f.matmul(f.t());
                case CorrelationKernel.GaussianTaylor g -> horner(gram(f.normalize(1, EPS)), coefficients(g));
                case CorrelationKernel.Gaussian g -> gaussianMatrix(f.normalize(1, EPS), g.gamma());
                case CorrelationKernel.Mmd m -> throw new IllegalArgumentException("mmd has no correlation matrix");
            };
        }
    }

    /** The kernel's Taylor coefficients c[0] .. c[P], in the float precision the kernels compute in. */
    private static float[] coefficients(CorrelationKernel.GaussianTaylor g) {
        float[] c = new float[g.order() + 1];
        for (int p = 0; p <= g.order(); p++) {
            c[p] = (float) g.coefficient(p);
        }
        return c;
    }

    /**
     * L = mean((g(S_s) - g(S_t))^2) for a polynomial g, with the hand-written backward described above.
     * The n x n part is one kernel that every backend provides, {@code Backend.polynomialDifference}.
     */
    private static Tensor polynomial(Tensor student, Tensor teacher, float[] coeffs, boolean normalise) {
        int n = student.size(0);
        Tensor xs;
        Tensor norms;
        Tensor out;
        Tensor gMatrix;
        try (var ignored = Grad.disabled()) {
            Tensor raw = student.detach();
            norms = normalise ? raw.mul(raw).sum(1, true).sqrt().clamp(EPS, Float.POSITIVE_INFINITY) : null;
            xs = normalise ? raw.div(norms) : raw;
            Tensor xt = normalise ? teacher.normalize(1, EPS) : teacher;
            Tensor ss = gram(xs);
            Tensor st = gram(xt);
            // One pass over the n x n entries, on whichever backend runs: the squared differences of the
            // kernel values, whose mean is the loss, and G's entries (C_s - C_t) g'(S_s), scaled in backward.
            Tensor squared = Tensor.empty(ss.shape());
            gMatrix = Tensor.empty(ss.shape());
            Backends.current().polynomialDifference(coeffs, ss.storage(), st.storage(), n * n,
                    squared.storage(), gMatrix.storage());
            out = squared.mean();
        }
        Tensor normsFinal = norms;
        return Autograd.op("correlationCongruence", student).saves(student).result(out, (up, needs) -> {
            // dL/dX^ = 2 G X^ with G = 2 (C_s - C_t) g'(S_s) / n^2, times the upstream gradient.
            Tensor dxs = gMatrix.matmul(xs).mul(4f * up.item() / ((float) n * n));
            if (!normalise) {
                return new Tensor[] {dxs};
            }
            Tensor dot = dxs.mul(xs).sum(1, true);
            return new Tensor[] {dxs.sub(xs.mul(dot)).div(normsFinal)};
        });
    }

    /** X X^T, as {@code linear(X, X)}: GEMM reads the second X through its transpose flag, no copy. */
    private static Tensor gram(Tensor x) {
        return LinearAlgebra.linear(x, x, null);
    }

    /** sum_p c[p] s^p, element-wise, by Horner's rule. */
    private static Tensor horner(Tensor s, float[] c) {
        Tensor v = Tensor.full(c[c.length - 1], s.shape());
        for (int p = c.length - 2; p >= 0; p--) {
            v = v.mul(s).add(c[p]);
        }
        return v;
    }

    /** Exact RBF of L2-normalised rows, from differentiable ops: exp(-gamma (|x_i|^2 + |x_j|^2 - 2 x_i . x_j)). */
    private static Tensor exactGaussian(Tensor student, Tensor teacher, double gamma) {
        Tensor cs = gaussianMatrix(student.normalize(1, EPS), gamma);
        Tensor ct;
        try (var ignored = Grad.disabled()) {
            ct = gaussianMatrix(teacher.normalize(1, EPS), gamma);
        }
        Tensor d = cs.sub(ct);
        return d.mul(d).mean();
    }

    private static Tensor gaussianMatrix(Tensor x, double gamma) {
        Tensor sq = x.mul(x).sum(1, true);
        Tensor dist = sq.add(sq.t()).sub(x.matmul(x.t()).mul(2f));
        return dist.mul((float) -gamma).exp();
    }
}
