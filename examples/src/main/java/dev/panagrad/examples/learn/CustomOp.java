package dev.panagrad.examples.learn;

import dev.panagrad.engine.Autograd;
import dev.panagrad.engine.GradCheck;
import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import java.io.PrintStream;

/**
 * Adding an op of your own: softplus, {@code log(1 + e^x)}, whose derivative is the sigmoid. The
 * forward computes the value; {@link Autograd#op} records the op with the tensors its backward reads
 * and the backward itself, side by side; {@link GradCheck} compares that backward with finite
 * differences. Run it with {@code ./panagrad learn custom-op}.
 */
public final class CustomOp {
    private CustomOp() {
    }

    /**
     * softplus(x) = log(1 + e^x), written as max(x, 0) + log(1 + e^-|x|) so that e^x never overflows
     * (e^100 is infinite in float). Its derivative: d/dx log(1 + e^x) = e^x / (1 + e^x) = sigmoid(x).
     */
    public static Tensor softplus(Tensor x) {
        Tensor out;
        try (var noGraph = Grad.disabled()) {
            // The forward's own ops are not recorded: the op below is one node with its own backward.
            out = x.clamp(0f, Float.POSITIVE_INFINITY).add(x.abs().neg().exp().add(1f).log());
        }
        return Autograd.op("softplus", x).saves(x)
                .result(out, (gradOut, needs) -> new Tensor[] {gradOut.mul(x.sigmoid())});
    }

    public static void main(String[] args) {
        run(System.out);
    }

    /** Checks the gradient of softplus, and of a use of it inside a larger expression; returns the reports. */
    public static GradCheck.Report[] run(PrintStream out) {
        Tensor x = Tensor.randn(new Rng(1), 4, 5).requiresGrad(true);
        GradCheck.Report alone = GradCheck.defaults().check(in -> softplus(in[0]), x);
        out.println("softplus alone:        " + alone);
        Tensor w = Tensor.randn(new Rng(2), 5, 3).requiresGrad(true);
        GradCheck.Report inside = GradCheck.defaults().check(in -> softplus(in[0].matmul(in[1])).sum(1, false), x, w);
        out.println("softplus(x w).sum(1):  " + inside);
        out.printf("softplus(-30, 0, 30) = %s%n", softplus(Tensor.of(new float[] {-30f, 0f, 30f}, 3)));
        return new GradCheck.Report[] {alone, inside};
    }
}
