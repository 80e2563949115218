package dev.panagrad.cckd.loss;

import dev.panagrad.engine.IntTensor;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.Init;
import dev.panagrad.nn.Module;

/**
 * The ArcFace classification head (Deng et al., 2019): logits {@code s cos(theta_j)} between the
 * normalised embedding and the normalised class weights, with the target class's angle widened by a
 * margin: {@code s cos(theta_y + m)}. As in the reference implementation, where {@code theta_y + m}
 * would pass pi, {@code cos(theta_y) - m sin(m)} is used instead, so that the logit keeps falling with
 * the angle. Defaults s = 64, m = 0.5.
 */
public final class ArcFace extends Module {
    private final Tensor weight;
    private final float scale;
    private final float margin;

    public ArcFace(int features, int classes, float scale, float margin, Rng rng) {
        this.scale = scale;
        this.margin = margin;
        weight = registerParameter("weight", Tensor.zeros(classes, features));
        Init.kaimingUniformDefault(weight, rng);
    }

    public ArcFace(int features, int classes, Rng rng) {
        this(features, classes, 64f, 0.5f, rng);
    }

    /** Without labels the head gives plain scaled cosines, as at test time. */
    @Override
    public Tensor forward(Tensor embeddings) {
        return cosines(embeddings).mul(scale);
    }

    /** Training logits [n, classes] with the margin on each sample's target class. */
    public Tensor forward(Tensor embeddings, IntTensor labels) {
        Tensor cos = cosines(embeddings);
        int n = cos.size(0);
        int classes = cos.size(1);
        float[] mask = new float[n * classes];
        for (int i = 0; i < n; i++) {
            int y = labels.get(i);
            if (y < 0 || y >= classes) {
                throw new IndexOutOfBoundsException("arcFace: label " + y + " at position " + i + " is out of range for "
                        + classes + " classes");
            }
            mask[i * classes + y] = 1f;
        }
        Tensor target = Tensor.of(mask, n, classes);
        // cos(theta + m) = cos theta cos m - sin theta sin m, with sin theta = sqrt(1 - cos^2) (clamped away from 0)
        Tensor sin = cos.mul(cos).neg().add(1f).clamp(1e-7f, 1f).sqrt();
        Tensor withMargin = cos.mul((float) Math.cos(margin)).sub(sin.mul((float) Math.sin(margin)));
        float threshold = (float) Math.cos(Math.PI - margin);
        Tensor fallback = cos.sub((float) (Math.sin(Math.PI - margin) * margin));
        Tensor marginal = Tensor.where(cos.gt(threshold), withMargin, fallback);
        return Tensor.where(target, marginal, cos).mul(scale);
    }

    private Tensor cosines(Tensor embeddings) {
        return embeddings.normalize(1).matmul(weight.normalize(1).t());
    }

    public Tensor weight() {
        return weight;
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + weight.size(1) + ", out_features=" + weight.size(0) + ", s=" + scale + ", m=" + margin;
    }
}
