package dev.panagrad.engine;

import java.util.Locale;
import java.util.function.Function;

/**
 * Checks autodiff gradients against central finite differences.
 *
 * <p>The output of {@code f} is reduced to a scalar with fixed random weights, {@code L = sum(w * f(x))},
 * so that every output element takes part. The analytic gradient is that of {@code f(x).backward(w)};
 * the numeric one is {@code (L(x + eps e_i) - L(x - eps e_i)) / (2 eps)} for every element {@code i} of
 * every input that requires grad, with {@code L} accumulated in double. An element passes when
 * {@code |analytic - numeric| <= atol + rtol * |numeric|}.
 *
 * <p>The forward runs in float32, so the numeric gradient carries rounding noise of about
 * {@code 1e-7 |L| / eps}: keep inputs of order 1 and away from kinks (ReLU at 0, ties of max) by more
 * than {@code eps}.
 *
 * <pre>{@code
 * Tensor x = Tensor.randn(new Rng(1), 3, 4).requiresGrad(true);
 * GradCheck.assertGradients(in -> in[0].softmax(1), x);
 * }</pre>
 */
public final class GradCheck {
    private final double eps;
    private final double atol;
    private final double rtol;
    private final long seed;

    private GradCheck(double eps, double atol, double rtol, long seed) {
        this.eps = eps;
        this.atol = atol;
        this.rtol = rtol;
        this.seed = seed;
    }

    /** Default settings: eps 1e-3, atol 1e-3, rtol 1e-2. */
    public static GradCheck defaults() {
        return new GradCheck(1e-3, 1e-3, 1e-2, 1234);
    }

    public GradCheck eps(double value) {
        return new GradCheck(value, atol, rtol, seed);
    }

    public GradCheck atol(double value) {
        return new GradCheck(eps, value, rtol, seed);
    }

    public GradCheck rtol(double value) {
        return new GradCheck(eps, atol, value, seed);
    }

    /** Checks with {@link #defaults()} and throws {@link AssertionError} describing the worst element. */
    public static void assertGradients(Function<Tensor[], Tensor> f, Tensor... inputs) {
        defaults().verify(f, inputs);
    }

    /** Checks and throws {@link AssertionError} describing the worst element on failure. */
    public void verify(Function<Tensor[], Tensor> f, Tensor... inputs) {
        Report r = check(f, inputs);
        if (!r.passed()) {
            throw new AssertionError(r.toString());
        }
    }

    /** The outcome of a check: the element with the largest excess over the tolerance. */
    public record Report(boolean passed, int checked, int input, int element, double analytic, double numeric,
                         double maxAbsError) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "gradcheck %s: %d elements, worst at input %d element %d: analytic %.6g,"
                    + " numeric %.6g (max abs error %.3g)", passed ? "passed" : "FAILED", checked, input, element,
                    analytic, numeric, maxAbsError);
        }
    }

    /** Runs the check; inputs that do not require grad are held constant. */
    public Report check(Function<Tensor[], Tensor> f, Tensor... inputs) {
        for (Tensor t : inputs) {
            t.zeroGrad();
        }
        Tensor out = f.apply(inputs);
        Rng rng = new Rng(seed);
        float[] w = new float[out.numel()];
        for (int i = 0; i < w.length; i++) {
            w[i] = rng.nextFloat() * 2f - 1f;
        }
        Tensor weights = Tensor.fromStorage(dev.panagrad.engine.backend.Storage.wrap(w.clone()), out.shape());
        if (out.requiresGrad()) {
            out.backward(weights);
        }
        boolean passed = true;
        int checked = 0;
        int worstInput = -1;
        int worstElement = -1;
        double worstExcess = Double.NEGATIVE_INFINITY;
        double worstAnalytic = 0;
        double worstNumeric = 0;
        double maxAbs = 0;
        for (int k = 0; k < inputs.length; k++) {
            Tensor x = inputs[k];
            if (!x.requiresGrad()) {
                continue;
            }
            float[] data = x.storage().array();
            Tensor grad = x.grad();
            for (int i = 0; i < x.numel(); i++) {
                float saved = data[i];
                data[i] = (float) (saved + eps);
                double plus = projected(f, inputs, w);
                data[i] = (float) (saved - eps);
                double minus = projected(f, inputs, w);
                data[i] = saved;
                double step = ((double) (float) (saved + eps)) - (float) (saved - eps);
                double numeric = (plus - minus) / step;
                double analytic = grad == null ? 0.0 : grad.storage().read()[i];
                double err = Math.abs(analytic - numeric);
                double excess = err - (atol + rtol * Math.abs(numeric));
                checked++;
                maxAbs = Math.max(maxAbs, err);
                if (!(excess <= 0)) {
                    passed = false;
                }
                if (!(excess <= worstExcess)) {
                    worstExcess = excess;
                    worstInput = k;
                    worstElement = i;
                    worstAnalytic = analytic;
                    worstNumeric = numeric;
                }
            }
        }
        return new Report(passed, checked, worstInput, worstElement, worstAnalytic, worstNumeric, maxAbs);
    }

    private static double projected(Function<Tensor[], Tensor> f, Tensor[] inputs, float[] w) {
        try (var ignored = Grad.disabled()) {
            Tensor out = f.apply(inputs);
            float[] y = out.storage().read();
            double sum = 0;
            for (int i = 0; i < out.numel(); i++) {
                sum += (double) w[i] * y[i];
            }
            return sum;
        }
    }
}
