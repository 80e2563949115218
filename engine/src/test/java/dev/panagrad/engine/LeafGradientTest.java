package dev.panagrad.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.panagrad.engine.backend.Storage;
import dev.panagrad.engine.backend.scalar.ScalarBackend;
import org.junit.jupiter.api.Test;

/**
 * How a leaf receives its first gradient: it keeps a gradient that its node's backward made and nothing
 * else uses (no copy, which on a device is a launch per parameter), and copies any other.
 */
class LeafGradientTest {

    /** The oracle, counting its copies. */
    private static final class CountingCopies extends ScalarBackend {
        int copies;

        @Override
        public void copy(Storage src, int srcOffset, Storage dst, int dstOffset, int count) {
            copies++;
            super.copy(src, srcOffset, dst, dstOffset, count);
        }
    }

    @Test
    void aLeafKeepsTheGradientItsNodeMadeWithoutACopy() {
        CountingCopies be = new CountingCopies();
        try (var ignored = Backends.scoped(be)) {
            Tensor x = Tensor.of(new float[] {1, -2, 3}, 3).requiresGrad(true);
            Tensor y = Tensor.of(new float[] {4, 5, 6}, 3);
            Tensor loss = x.mul(y).sum();
            be.copies = 0;

            loss.backward();

            assertThat(be.copies).isZero();
            assertThat(x.grad().toArray()).containsExactly(4, 5, 6);
        }
    }

    @Test
    void aGradientThatANodePassesOnAsItIsIsCopied() {
        CountingCopies be = new CountingCopies();
        try (var ignored = Backends.scoped(be)) {
            Tensor a = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
            Tensor b = Tensor.of(new float[] {3, 4}, 2).requiresGrad(true);
            Tensor loss = a.add(b).mul(3f).sum(); // add's backward hands mul's gradient to both, unchanged
            be.copies = 0;

            loss.backward();

            assertThat(be.copies).isEqualTo(2);
            assertThat(a.grad().toArray()).containsExactly(3, 3);
            assertThat(b.grad().toArray()).containsExactly(3, 3);
        }
    }

    @Test
    void twoLeavesGivenOneNewGradientEachGetTheirOwn() {
        try (var ignored = Backends.scoped(new ScalarBackend())) {
            Tensor a = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
            Tensor b = Tensor.of(new float[] {3, 4}, 2).requiresGrad(true);
            Tensor sum = Tensor.of(new float[] {4, 6}, 2);
            // an op whose backward makes one gradient and gives it to both inputs
            Tensor out = Autograd.op("sharedGradient", a, b).result(sum, (g, needs) -> {
                Tensor d = g.mul(1f);
                return new Tensor[] {d, d};
            });

            out.mul(3f).sum().backward();
            a.grad().mulInPlace(10f);

            assertThat(a.grad().toArray()).containsExactly(30, 30);
            assertThat(b.grad().toArray()).containsExactly(3, 3);
        }
    }

    @Test
    void aKeptGradientStillAccumulatesOverLaterBackwardPasses() {
        try (var ignored = Backends.scoped(new ScalarBackend())) {
            Tensor x = Tensor.of(new float[] {1, 2, 3}, 3).requiresGrad(true);

            x.mul(x).sum().backward(); // both of mul's inputs are x: 2x, in two parts
            x.mul(x).sum().backward();

            assertThat(x.grad().toArray()).containsExactly(4, 8, 12);
        }
    }

    @Test
    void aRetainedGradientAndTheLeafsGradientAreApart() {
        try (var ignored = Backends.scoped(new ScalarBackend())) {
            Tensor x = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
            Tensor h = x.mul(2f);
            h.retainGrad();

            h.mul(h).sum().backward();
            x.grad().mulInPlace(0f);

            assertThat(h.grad().toArray()).as("2h, kept whatever happens to x's (2 * 2h)").containsExactly(4, 8);
        }
    }
}
