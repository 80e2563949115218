package dev.panagrad.nn.loss;

import dev.panagrad.engine.IntTensor;
import dev.panagrad.engine.Tensor;

/**
 * Loss functions with PyTorch's definitions and default reductions, built from differentiable engine
 * ops (so their gradients are checked by the engine's op tests and by gradient checks of their own).
 */
public final class Losses {
    private Losses() {
    }

    /** {@code F.cross_entropy(logits, target)}: mean over the batch of {@code -log softmax(logits)[target]}. */
    public static Tensor crossEntropy(Tensor logits, IntTensor target) {
        return crossEntropy(logits, target, 0f);
    }

    /**
     * Cross-entropy with label smoothing, as {@code F.cross_entropy(..., label_smoothing=eps)}:
     * {@code (1 - eps) nll + eps mean_k(-log p_k)}, averaged over the batch. Composed of log-softmax
     * ({@code ops.Normalization.softmax}, where its forward and backward are written out), a gather and
     * means, so its gradient is the chain of theirs: for one row without smoothing,
     * {@code d loss / d logits = (softmax(logits) - onehot(target)) / N}.
     *
     * @param logits [N, C]
     * @param target [N] class indices in [0, C)
     */
    public static Tensor crossEntropy(Tensor logits, IntTensor target, float labelSmoothing) {
        if (logits.rank() != 2 || target.shape().rank() != 1 || target.numel() != logits.size(0)) {
            throw new IllegalArgumentException("crossEntropy: logits " + logits.shape() + " and target "
                    + target.shape() + ": expected [N, C] and [N]");
        }
        if (labelSmoothing < 0f || labelSmoothing > 1f) {
            throw new IllegalArgumentException("crossEntropy: label smoothing must be in [0, 1], got " + labelSmoothing);
        }
        int classes = logits.size(1);
        for (int i = 0; i < target.numel(); i++) {
            if (target.get(i) < 0 || target.get(i) >= classes) {
                throw new IndexOutOfBoundsException("crossEntropy: target " + target.get(i) + " at position " + i
                        + " is out of range for " + classes + " classes");
            }
        }
        Tensor logp = logits.logSoftmax(1);
        Tensor nll = logp.gather(1, IntTensor.wrap(target.values(), dev.panagrad.engine.Shape.of(target.numel(), 1)))
                .mean().neg();
        if (labelSmoothing == 0f) {
            return nll;
        }
        Tensor uniform = logp.mean().neg();
        return nll.mul(1f - labelSmoothing).add(uniform.mul(labelSmoothing));
    }

    /** {@code F.mse_loss}: mean of squared differences. */
    public static Tensor mse(Tensor input, Tensor target) {
        requireSameShape("mse", input, target);
        Tensor d = input.sub(target);
        return d.mul(d).mean();
    }

    /**
     * {@code F.kl_div(logInput, target, reduction='batchmean')}: {@code sum(target (log target - logInput)) / N},
     * the KL divergence of the target distribution from the input one, with terms where target is 0
     * counted as 0.
     *
     * @param logInput log-probabilities [N, ...]
     * @param target   probabilities, same shape
     */
    public static Tensor klDivBatchMean(Tensor logInput, Tensor target) {
        requireSameShape("klDiv", logInput, target);
        Tensor positive = target.gt(0f);
        Tensor safeTarget = Tensor.where(positive, target, Tensor.scalar(1f));
        Tensor terms = target.mul(safeTarget.log().sub(logInput));
        return terms.sum().mul(1f / logInput.size(0));
    }

    /**
     * {@code F.binary_cross_entropy_with_logits}: mean of
     * {@code max(x, 0) - x y + log(1 + e^-|x|)}, stable for any logit.
     */
    public static Tensor bceWithLogits(Tensor logits, Tensor target) {
        requireSameShape("bceWithLogits", logits, target);
        Tensor softplus = logits.abs().neg().exp().add(1f).log();
        return logits.relu().sub(logits.mul(target)).add(softplus).mean();
    }

    private static void requireSameShape(String op, Tensor a, Tensor b) {
        if (!a.shape().equals(b.shape())) {
            throw new IllegalArgumentException(op + ": input " + a.shape() + " and target " + b.shape() + " differ");
        }
    }
}
