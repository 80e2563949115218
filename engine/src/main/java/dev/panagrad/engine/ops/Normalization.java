package dev.panagrad.engine.ops;

import dev.panagrad.engine.Autograd;
import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.Backends;

/** Softmax, log-softmax, log-sum-exp and L2 normalisation along one dimension. */
public final class Normalization {
    private Normalization() {
    }

    /**
     * Softmax (or log-softmax) along {@code dim}. This is the op's definition, which the kernels
     * ({@code Backend.softmax}, {@code softmaxBackward}) implement; with m = max_j x_j subtracted first so
     * that no exponential overflows:
     * <pre>
     * softmax       y_i = exp(x_i - m) / sum_j exp(x_j - m)        dx_i = y_i (dy_i - sum_j dy_j y_j)
     * log-softmax   y_i = x_i - m - log sum_j exp(x_j - m)         dx_i = dy_i - exp(y_i) sum_j dy_j
     * </pre>
     * Both backwards read only the output y (d y_i / d x_k = y_i (delta_ik - y_k), and for the log
     * delta_ik - softmax_k), so the input need not be saved.
     */
    public static Tensor softmax(Tensor x, int dim, boolean log) {
        String name = log ? "logSoftmax" : "softmax";
        int a = x.shape().axis(name, dim);
        int outer = x.shape().product(0, a);
        int size = x.size(a);
        int inner = x.shape().product(a + 1, x.rank());
        Tensor y = Tensor.zeros(x.shape());
        Backends.current().softmax(x.storage(), y.storage(), outer, size, inner, log);
        return Autograd.op(name, x).saves(y).result(y, (g, needs) -> {
            Tensor gx = Tensor.zeros(x.shape());
            Backends.current().softmaxBackward(y.storage(), g.storage(), gx.storage(), outer, size, inner, log);
            return new Tensor[] {gx};
        });
    }

    /**
     * {@code m + log(sum(exp(x - m)))} with m the (detached) maximum, so nothing overflows; rows whose
     * maximum is infinite use m = 0, so that all -inf gives -inf rather than NaN.
     */
    public static Tensor logSumExp(Tensor x, int dim, boolean keepDim) {
        int a = x.shape().axis("logSumExp", dim);
        Tensor shift;
        try (var ignored = Grad.disabled()) {
            Tensor m = x.max(a, true);
            shift = Tensor.where(m.abs().lt(Float.POSITIVE_INFINITY), m, Tensor.scalar(0f));
        }
        Tensor lse = x.sub(shift).exp().sum(a, true).log().add(shift);
        return keepDim ? lse : lse.squeeze(a);
    }

    /**
     * {@code y = x / max(||x||, eps)} along {@code dim}. Backward: where the norm is at least eps,
     * {@code dx = (g - y (y . g)) / ||x||}; elsewhere the divisor is the constant eps and
     * {@code dx = g / eps}.
     */
    public static Tensor normalize(Tensor x, int dim, float eps) {
        int a = x.shape().axis("normalize", dim);
        Tensor norm;
        Tensor divisor;
        Tensor y;
        try (var ignored = Grad.disabled()) {
            norm = x.mul(x).sum(a, true).sqrt();
            divisor = norm.clamp(eps, Float.POSITIVE_INFINITY);
            y = x.div(divisor);
        }
        Tensor normalised = norm.ge(Tensor.scalar(eps));
        return Autograd.op("normalize", x).saves(y, divisor).result(y, (g, needs) -> {
            Tensor dot = g.mul(y).sum(a, true).mul(normalised);
            return new Tensor[] {g.sub(y.mul(dot)).div(divisor)};
        });
    }
}
