package dev.panagrad.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * The engine's examples of README.md. The README's code blocks are the regions between
 * {@code // snippet:NAME} and {@code // end snippet} below, copied by {@link ReadmeSnippetsTest}'s rule,
 * so they run here and cannot drift.
 */
class ReadmeExampleTest {

    @Test
    void firstExampleRunsAndLearns() {
        // snippet:first-example
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
        System.out.println(w.grad());
        // end snippet

        assertThat(w.grad().dims()).containsExactly(3, 2);
        assertThat(b.grad().dims()).containsExactly(2);
        float after = x.matmul(w).add(b).relu().pow(2f).mean().item();
        assertThat(after).isLessThan(loss.item());
    }

    @Test
    void gradCheckExamplePassesAndWouldCatchAWrongGradient() {
        Rng rng = new Rng(0);
        // snippet:gradcheck
        Tensor a = Tensor.randn(rng, 3, 4).requiresGrad(true);
        GradCheck.assertGradients(in -> in[0].softmax(1).log(), a);
        // end snippet

        // the same check on an op whose backward is wrong by a factor of 2 fails
        assertThatThrownBy(() -> GradCheck.assertGradients(in -> Autograd.op("wrongSquare", in[0]).saves(in[0])
                .result(in[0].detach().mul(in[0].detach()), (g, needs) -> new Tensor[] {g.mul(in[0]).mul(4f)}).sum(), a))
                .isInstanceOf(AssertionError.class);
    }

    @Test
    void anomalyExampleNamesTheOpTheShapeAndTheIndex() {
        Tensor t = Tensor.zeros(2).requiresGrad(true);
        Tensor loss = t.sqrt().sum();                             // d sqrt(t) / dt = 1 / (2 sqrt(t)): +Inf at 0
        assertThatThrownBy(() -> {
            // snippet:anomaly
            try (var ignored = Anomaly.detect()) {
                loss.backward();
            }
            // AnomalyException: sqrt (backward): the gradient for input 0, of shape [2], holds +Inf at flat index 0;
            //   inputs [2]; the op was called from com.example.Train.step(Train.java:41) <- ...
            // end snippet
        }).isInstanceOf(AnomalyException.class)
                .hasMessageStartingWith("sqrt (backward): the gradient for input 0, of shape [2], holds +Inf at flat index 0;"
                        + " inputs [2]; the op was called from ");
    }
}
