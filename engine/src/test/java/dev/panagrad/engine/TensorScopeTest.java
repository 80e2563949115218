package dev.panagrad.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.panagrad.engine.backend.HostArrayPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TensorScopeTest {
    /** Large enough to be pooled. */
    private static final int N = 2 * HostArrayPool.MIN_SIZE;

    @AfterEach
    void restore() {
        HostArrayPool.setPoison(false);
        GradientBuffers.setEnabled(true);
    }

    @Test
    void aTensorUsedAfterItsScopeClosedIsAnErrorNamingTheOpThatMadeIt() {
        Tensor y;
        try (TensorScope scope = TensorScope.open()) {
            y = Tensor.randn(new Rng(1), N).relu();
        }
        Tensor dead = y;
        assertThatThrownBy(dead::sum)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("output of relu")
                .hasMessageContaining(N + " floats")
                .hasMessageContaining("TensorScope");
    }

    @Test
    void aViewOfAReleasedTensorIsReleasedToo() {
        Tensor view;
        try (TensorScope scope = TensorScope.open()) {
            view = Tensor.randn(new Rng(1), N).exp().reshape(2, N / 2);
        }
        Tensor dead = view;
        assertThatThrownBy(dead::toArray).hasMessageContaining("output of exp");
    }

    @Test
    void aKeptTensorSurvivesItsScopeWithItsValues() {
        Tensor x = Tensor.randn(new Rng(2), N);
        float[] expected = x.exp().toArray();
        Tensor kept;
        try (TensorScope scope = TensorScope.open()) {
            kept = scope.keep(x.exp());
            x.sigmoid(); // dies with the scope
        }
        // The next scope's tensors of the same size come from the pool and must not land in the kept one.
        try (TensorScope scope = TensorScope.open()) {
            x.neg();
            x.tanh();
        }
        assertThat(kept.toArray()).containsExactly(expected);
    }

    @Test
    void aTensorKeptByAnInnerScopeBelongsToTheOuterOne() {
        Tensor kept;
        try (TensorScope outer = TensorScope.open()) {
            try (TensorScope inner = TensorScope.open()) {
                kept = inner.keep(Tensor.ones(N).mul(3f));
            }
            assertThat(kept.sum().item()).isEqualTo(3f * N);
            assertThat(outer.size()).isEqualTo(1);
        }
        Tensor dead = kept;
        assertThatThrownBy(dead::sum).hasMessageContaining("output of mul");
    }

    @Test
    void aTensorReleasedEarlyGoesBackToThePoolAndIsDeadAtOnce() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor y = Tensor.ones(N).mul(2f);
            Tensor outside = Tensor.ones(4);
            assertThat(TensorScope.release(y)).isTrue();
            assertThat(TensorScope.release(outside)).as("too small to be owned").isFalse();
            assertThat(scope.size()).as("the ones y was made from").isEqualTo(1);
            assertThatThrownBy(y::sum).hasMessageContaining("output of mul").hasMessageContaining("ended early");
            assertThat(outside.sum().item()).isEqualTo(4f);
        }
    }

    @Test
    void closingAnOuterScopeClosesTheInnerOnesLeftOpen() {
        TensorScope outer = TensorScope.open();
        TensorScope.open();
        Tensor y = Tensor.ones(N).mul(2f);
        outer.close();
        assertThat(TensorScope.isOpen()).isFalse();
        assertThatThrownBy(y::sum).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void leafGradientsOutliveTheScopeOfTheirBackwardPass() {
        Tensor w = Tensor.randn(new Rng(3), N).requiresGrad(true);
        try (TensorScope scope = TensorScope.open()) {
            w.mul(w).sum().backward();
        }
        assertThat(w.grad().toArray()).containsExactly(w.mul(2f).toArray());
    }

    @Test
    void zeroGradInsideAScopeGivesTheGradientsMemoryToTheNextBackward() {
        Tensor w = Tensor.randn(new Rng(3), N).requiresGrad(true);
        try (TensorScope step = TensorScope.open()) {
            w.mul(w).sum().backward();
        }
        Tensor old = w.grad();
        long given = HostArrayPool.counts()[1];
        try (TensorScope step = TensorScope.open()) {
            w.zeroGrad();
            assertThat(HostArrayPool.counts()[1]).as("arrays given back").isEqualTo(given + 1);
            w.mul(3f).sum().backward();
        }
        assertThat(w.grad().toArray()).containsOnly(3f);
        assertThatThrownBy(old::sum)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(N + " floats")
                .hasMessageContaining("zeroGrad dropped this gradient");
    }

    @Test
    void zeroGradOutsideAScopeLeavesTheOldGradientToItsHolder() {
        Tensor w = Tensor.randn(new Rng(3), N).requiresGrad(true);
        try (TensorScope step = TensorScope.open()) {
            w.mul(2f).sum().backward();
        }
        Tensor old = w.grad();

        w.zeroGrad();

        assertThat(w.grad()).isNull();
        assertThat(old.toArray()).containsOnly(2f);
    }

    @Test
    void tensorsMadeOutsideAnyScopeAndSmallTensorsAreLeftToTheCollector() {
        Tensor outside = Tensor.ones(N).mul(2f);
        Tensor small;
        try (TensorScope scope = TensorScope.open()) {
            small = Tensor.ones(4).mul(2f);
            outside.add(1f);
            assertThat(scope.size()).isEqualTo(1);
        }
        assertThat(outside.sum().item()).isEqualTo(2f * N);
        assertThat(small.sum().item()).isEqualTo(8f);
    }

    @Test
    void aSecondStepTakesItsMemoryFromThePoolTheFirstGaveBack() {
        Tensor x = Tensor.randn(new Rng(4), 3 * N + 7);
        try (TensorScope scope = TensorScope.open()) {
            x.exp().sigmoid();
        }
        long taken = HostArrayPool.counts()[0];
        try (TensorScope scope = TensorScope.open()) {
            x.exp().sigmoid();
        }
        assertThat(HostArrayPool.counts()[0]).isGreaterThanOrEqualTo(taken + 2);
    }

    @Test
    void aScopeClosedOnAnotherThreadIsRefused() throws Exception {
        TensorScope scope = TensorScope.open();
        try {
            Throwable[] thrown = new Throwable[1];
            Thread t = new Thread(() -> {
                try {
                    scope.close();
                } catch (Throwable e) {
                    thrown[0] = e;
                }
            }, "other");
            t.start();
            t.join();
            assertThat(thrown[0]).isInstanceOf(IllegalStateException.class).hasMessageContaining("opened on");
        } finally {
            scope.close();
        }
    }

    @Test
    void residualBlocksTrainBitIdenticallyWithScopesAndPooledMemoryPoisoned() {
        GradientBuffers.setEnabled(false); // every output in fresh, zeroed memory
        float[][] plain = threeSteps(false, false);
        GradientBuffers.setEnabled(true);
        HostArrayPool.setPoison(true); // a kernel that read its output before writing it would now see NaN
        float[][] scoped = threeSteps(true, false);
        float[][] releasing = threeSteps(true, true);
        for (int i = 0; i < plain.length; i++) {
            assertThat(scoped[i]).containsExactly(plain[i]);
            assertThat(releasing[i]).as("saved tensors released during backward").containsExactly(plain[i]);
        }
    }

    @Test
    void aScopeThatReleasesSavedTensorsEndsThemInBackwardAndOnlyThem() {
        Tensor w = Tensor.randn(new Rng(6), N).requiresGrad(true);
        try (TensorScope scope = TensorScope.open().releasingSavedTensors()) {
            Tensor h = w.exp();                 // saved by exp (its output) and by mul (an input)
            Tensor other = w.add(1f).mul(2f);   // saved in a graph that no backward runs
            Tensor loss = h.mul(h).sum();
            loss.backward();
            assertThatThrownBy(h::sum).hasMessageContaining("output of exp").hasMessageContaining("releasingSavedTensors");
            assertThat(other.numel()).isEqualTo(N);
            assertThat(other.sum().item()).isNotNaN();
            assertThat(w.grad().numel()).isEqualTo(N);
        }
    }

    @Test
    void aPlainScopeKeepsSavedTensorsAfterBackward() {
        Tensor w = Tensor.randn(new Rng(6), N).requiresGrad(true);
        try (TensorScope scope = TensorScope.open()) {
            Tensor h = w.exp();
            h.mul(h).sum().backward();
            assertThat(h.sum().item()).isGreaterThan(0f);
        }
    }

    /** Three gradient-descent steps on two residual blocks; the parameters after them. */
    private static float[][] threeSteps(boolean scoped, boolean releasingSaved) {
        Rng rng = new Rng(5);
        Tensor x = Tensor.randn(rng, 2, 8, 16, 16);
        Tensor[] params = ResidualBlocks.parameters(rng);
        for (int step = 0; step < 3; step++) {
            TensorScope scope = !scoped ? null
                    : releasingSaved ? TensorScope.open().releasingSavedTensors() : TensorScope.open();
            try {
                for (Tensor p : params) {
                    p.zeroGrad();
                }
                Tensor h = ResidualBlocks.forward(x, params);
                h.mul(h).mean().backward();
                try (var ignored = Grad.disabled()) {
                    for (Tensor p : params) {
                        p.addInPlace(p.grad(), -0.1f);
                    }
                }
            } finally {
                if (scope != null) {
                    scope.close();
                }
            }
        }
        float[][] values = new float[params.length][];
        for (int i = 0; i < params.length; i++) {
            values[i] = params[i].toArray();
        }
        return values;
    }

}
