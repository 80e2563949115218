package dev.panagrad.examples.learn;

import dev.panagrad.engine.Grad;
import dev.panagrad.engine.IntTensor;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import java.io.PrintStream;

/**
 * The first program to read: a two-layer perceptron learns to tell two concentric rings of points
 * apart, with tensors, autodiff and plain gradient descent, and no library layer. Run it with
 * {@code ./panagrad learn mlp}.
 */
public final class MlpFromScratch {
    private MlpFromScratch() {
    }

    /** What a run ends with: the loss of the first and last step, and the share of points classified right. */
    public record Result(float firstLoss, float lastLoss, double accuracy) {
    }

    public static void main(String[] args) {
        run(System.out);
    }

    public static Result run(PrintStream out) {
        // 1. Data: 512 points, class 0 on a ring of radius 0.5, class 1 on a ring of radius 1.5.
        //    No straight line separates them, so the hidden layer has to bend the plane.
        Rng rng = new Rng(7);
        int n = 512;
        float[] points = new float[n * 2];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            double radius = (labels[i] == 0 ? 0.5 : 1.5) + 0.15 * rng.nextGaussian();
            double angle = 2 * Math.PI * rng.nextDouble();
            points[2 * i] = (float) (radius * Math.cos(angle));
            points[2 * i + 1] = (float) (radius * Math.sin(angle));
        }
        Tensor x = Tensor.of(points, n, 2);
        IntTensor y = IntTensor.of(labels, n, 1);

        // 2. Parameters: 2 -> 32 (tanh) -> 2. requiresGrad asks autodiff to compute their gradients.
        Tensor w1 = Tensor.randn(rng, 2, 32).mul(0.7f).requiresGrad(true);
        Tensor b1 = Tensor.zeros(32).requiresGrad(true);
        Tensor w2 = Tensor.randn(rng, 32, 2).mul(0.2f).requiresGrad(true);
        Tensor b2 = Tensor.zeros(2).requiresGrad(true);
        Tensor[] params = {w1, b1, w2, b2};

        float first = Float.NaN;
        float last = Float.NaN;
        for (int step = 0; step < 300; step++) {
            // 3. Forward: every op records itself in the graph as it runs.
            Tensor logits = logits(x, w1, b1, w2, b2);
            // Cross-entropy: minus the mean log-probability of each point's own class.
            Tensor loss = logits.logSoftmax(1).gather(1, y).mean().neg();
            // 4. Backward: the chain rule, op by op in reverse, into each parameter's grad.
            loss.backward();
            // 5. Update, outside the graph: p -= 0.5 * dL/dp, then forget the gradient.
            try (var noGraph = Grad.disabled()) {
                for (Tensor p : params) {
                    p.addInPlace(p.grad(), -0.5f);
                    p.zeroGrad();
                }
            }
            if (step == 0) {
                first = loss.item();
            }
            last = loss.item();
            if (step % 50 == 0 || step == 299) {
                out.printf("step %3d  loss %.4f%n", step, loss.item());
            }
        }

        // 6. Evaluate: a point is class 1 where its second logit is the larger.
        int correct = 0;
        try (var noGraph = Grad.disabled()) {
            Tensor logits = logits(x, w1, b1, w2, b2);
            Tensor predicted = logits.narrow(1, 1, 1).gt(logits.narrow(1, 0, 1));
            for (int i = 0; i < n; i++) {
                correct += (int) predicted.get(i, 0) == labels[i] ? 1 : 0;
            }
        }
        double accuracy = (double) correct / n;
        out.printf("accuracy %.1f%% (%d of %d points)%n", 100 * accuracy, correct, n);
        return new Result(first, last, accuracy);
    }

    /** The network: one score per class and point, tanh(x w1 + b1) w2 + b2. */
    private static Tensor logits(Tensor x, Tensor w1, Tensor b1, Tensor w2, Tensor b2) {
        return x.matmul(w1).add(b1).tanh().matmul(w2).add(b2);
    }
}
