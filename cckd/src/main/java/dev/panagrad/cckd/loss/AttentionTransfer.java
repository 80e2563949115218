package dev.panagrad.cckd.loss;

import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Tensor;
import java.util.List;

/**
 * Attention transfer (Zagoruyko and Komodakis, 2017): the attention map of a feature map A [n, c, h, w]
 * is {@code at(A) = normalize(mean_c A_c^2)} flattened to [n, h w]; the loss is
 * {@code beta / 2 * sum over the chosen stages of mean((at(A_s) - at(A_t))^2)}, with beta = 1000 by default.
 */
public final class AttentionTransfer {
    /** The usual weight. */
    public static final float DEFAULT_BETA = 1000f;

    private AttentionTransfer() {
    }

    /** The attention map [n, h w] of a feature map [n, c, h, w]. */
    public static Tensor attention(Tensor features) {
        if (features.rank() != 4) {
            throw new IllegalArgumentException("attention: expected a feature map [n, c, h, w], got " + features.shape());
        }
        return features.mul(features).mean(1).flatten(1, -1).normalize(1);
    }

    /** Sum over paired stages; each student map must have its teacher map's spatial size. */
    public static Tensor loss(List<Tensor> student, List<Tensor> teacher, float beta) {
        if (student.size() != teacher.size() || student.isEmpty()) {
            throw new IllegalArgumentException("attentionTransfer: " + student.size() + " student and " + teacher.size()
                    + " teacher feature maps; need the same non-zero number");
        }
        Tensor total = null;
        for (int i = 0; i < student.size(); i++) {
            Tensor s = student.get(i);
            Tensor t = teacher.get(i);
            if (s.rank() != 4 || t.rank() != 4 || s.size(0) != t.size(0) || s.size(2) != t.size(2) || s.size(3) != t.size(3)) {
                throw new IllegalArgumentException("attentionTransfer: stage " + i + " maps " + s.shape() + " and "
                        + t.shape() + " differ in batch or spatial size");
            }
            Tensor at;
            try (var ignored = Grad.disabled()) {
                at = attention(t);
            }
            Tensor d = attention(s).sub(at);
            Tensor term = d.mul(d).mean();
            total = total == null ? term : total.add(term);
        }
        return total.mul(beta / 2f);
    }
}
