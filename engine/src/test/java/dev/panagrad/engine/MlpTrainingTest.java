package dev.panagrad.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** End to end: a two-layer perceptron learns a generated non-linear problem by plain gradient descent. */
class MlpTrainingTest {

    @Test
    void twoLayerPerceptronLearnsConcentricRings() {
        Rng rng = new Rng(7);
        int n = 512;
        float[] points = new float[n * 2];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            // Class 0: radius about 0.5; class 1: radius about 1.5. Not linearly separable.
            labels[i] = i % 2;
            double r = (labels[i] == 0 ? 0.5 : 1.5) + 0.15 * rng.nextGaussian();
            double angle = 2 * Math.PI * rng.nextDouble();
            points[2 * i] = (float) (r * Math.cos(angle));
            points[2 * i + 1] = (float) (r * Math.sin(angle));
        }
        Tensor x = Tensor.of(points, n, 2);
        IntTensor y = IntTensor.of(labels, n, 1);

        Tensor w1 = Tensor.randn(rng, 2, 32).mul(0.7f).requiresGrad(true);
        Tensor b1 = Tensor.zeros(32).requiresGrad(true);
        Tensor w2 = Tensor.randn(rng, 32, 2).mul(0.2f).requiresGrad(true);
        Tensor b2 = Tensor.zeros(2).requiresGrad(true);
        Tensor[] params = {w1, b1, w2, b2};

        float first = Float.NaN;
        float last = Float.NaN;
        for (int step = 0; step < 300; step++) {
            Tensor logits = x.matmul(w1).add(b1).tanh().matmul(w2).add(b2);
            Tensor loss = logits.logSoftmax(1).gather(1, y).mean().neg();
            loss.backward();
            try (var ignored = Grad.disabled()) {
                for (Tensor p : params) {
                    p.addInPlace(p.grad(), -0.5f);
                    p.zeroGrad();
                }
            }
            if (step == 0) {
                first = loss.item();
            }
            last = loss.item();
        }

        assertThat(first).isGreaterThan(0.6f);
        assertThat(last).isLessThan(0.1f);
        Tensor predicted;
        try (var ignored = Grad.disabled()) {
            Tensor logits = x.matmul(w1).add(b1).tanh().matmul(w2).add(b2);
            predicted = logits.narrow(1, 1, 1).gt(logits.narrow(1, 0, 1));
        }
        int correct = 0;
        for (int i = 0; i < n; i++) {
            correct += (int) predicted.get(i, 0) == labels[i] ? 1 : 0;
        }
        assertThat(correct).isGreaterThanOrEqualTo(490);
    }
}
