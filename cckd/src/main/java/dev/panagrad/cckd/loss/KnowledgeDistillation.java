package dev.panagrad.cckd.loss;

import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.loss.Losses;

/**
 * Hinton's knowledge distillation, the paper's instance congruence:
 * {@code L_KD = (1/n) sum_i tau^2 KL(softmax(z_t[i] / tau) || softmax(z_s[i] / tau))}, a batch mean (not a
 * mean over batch x classes). Its gradient with respect to the student logits is {@code tau (p_s - p_t) / n}.
 */
public final class KnowledgeDistillation {
    private KnowledgeDistillation() {
    }

    /**
     * @param student logits [n, classes], requiring grad
     * @param teacher logits [n, classes], used as constants
     */
    public static Tensor loss(Tensor student, Tensor teacher, float tau) {
        if (!student.shape().equals(teacher.shape()) || student.rank() != 2) {
            throw new IllegalArgumentException("kd: student logits " + student.shape() + " and teacher logits "
                    + teacher.shape() + " must both be [n, classes]");
        }
        if (!(tau > 0f)) {
            throw new IllegalArgumentException("kd: temperature must be positive, got " + tau);
        }
        Tensor target;
        try (var ignored = Grad.disabled()) {
            target = teacher.div(tau).softmax(1);
        }
        return Losses.klDivBatchMean(student.div(tau).logSoftmax(1), target).mul(tau * tau);
    }
}
