package dev.panagrad.cckd.loss;

import dev.panagrad.engine.Tensor;

/** The L2-mimic baseline of face recognition: {@code (1/n) sum_i ||f_s[i] - f_t[i]||^2} on embeddings [n, d]. */
public final class L2Mimic {
    private L2Mimic() {
    }

    public static Tensor loss(Tensor student, Tensor teacher) {
        if (!student.shape().equals(teacher.shape()) || student.rank() != 2) {
            throw new IllegalArgumentException("l2Mimic: student " + student.shape() + " and teacher " + teacher.shape()
                    + " embeddings must both be [n, d]");
        }
        Tensor d = student.sub(teacher.detach());
        return d.mul(d).sum().mul(1f / student.size(0));
    }
}
