package dev.panagrad.cckd.loss;

import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.loss.Losses;

/**
 * Deep mutual learning (Zhang et al., 2018): each of two students minimises its cross-entropy plus
 * {@code KL(p_other || p_self)}, the other student's prediction taken as a constant.
 */
public final class MutualLearning {
    private MutualLearning() {
    }

    /** {@code KL(softmax(other) || softmax(self))}, batch mean; gradients reach {@code self} only. */
    public static Tensor mimicry(Tensor self, Tensor other) {
        Tensor target;
        try (var ignored = Grad.disabled()) {
            target = other.softmax(1);
        }
        return Losses.klDivBatchMean(self.logSoftmax(1), target);
    }
}
