package dev.panagrad.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The first example of README.md, verbatim, so that the README stays true. */
class ReadmeExampleTest {

    @Test
    void firstExampleRunsAndLearns() {
        Rng rng = new Rng(0);
        Tensor x = Tensor.randn(rng, 64, 3);                      // a batch of 64 inputs
        Tensor w = Tensor.randn(rng, 3, 2).requiresGrad(true);    // a weight to learn
        Tensor b = Tensor.zeros(2).requiresGrad(true);

        Tensor loss = x.matmul(w).add(b).relu().pow(2f).mean();   // b broadcasts over the batch
        loss.backward();                                          // fills w.grad() [3, 2] and b.grad() [2]

        try (var ignored = Grad.disabled()) {                     // update without recording a graph
            w.addInPlace(w.grad(), -0.1f);
            b.addInPlace(b.grad(), -0.1f);
        }

        assertThat(w.grad().dims()).containsExactly(3, 2);
        assertThat(b.grad().dims()).containsExactly(2);
        float after = x.matmul(w).add(b).relu().pow(2f).mean().item();
        assertThat(after).isLessThan(loss.item());
    }

    @Test
    void gradCheckExampleRuns() {
        Rng rng = new Rng(0);
        Tensor a = Tensor.randn(rng, 3, 4).requiresGrad(true);
        GradCheck.assertGradients(in -> in[0].softmax(1).log(), a);
    }
}
