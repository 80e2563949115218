package dev.panagrad.nn.layers;

import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.Functional;
import dev.panagrad.nn.Module;

/**
 * In training, zeroes each element with probability {@code p} and scales the others by
 * {@code 1 / (1 - p)}; in evaluation, the identity. As {@code torch.nn.Dropout}, with the masks drawn
 * from the given generator so that seeded runs repeat.
 */
public final class Dropout extends Module {
    private final float p;
    private final Rng rng;

    public Dropout(float p, Rng rng) {
        if (p < 0f || p > 1f) {
            throw new IllegalArgumentException("Dropout: probability must be in [0, 1], got " + p);
        }
        this.p = p;
        this.rng = rng;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.dropout(x, p, isTraining(), rng);
    }

    @Override
    protected String extraRepr() {
        return "p=" + p + ", inplace=False";
    }
}
