package dev.panagrad.nn;

import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;

/**
 * Weight initialisers of {@code torch.nn.init}, filling tensors in place from a seeded generator.
 * Fan-in of a weight [out, in, kH, kW] is {@code in kH kW}; fan-out is {@code out kH kW}.
 */
public final class Init {
    private Init() {
    }

    /** {@code kaiming_normal_(mode='fan_out', nonlinearity='relu')}: N(0, 2 / fan_out), as torchvision's ResNets. */
    public static void kaimingNormalFanOut(Tensor w, Rng rng) {
        double std = Math.sqrt(2.0 / fanOut(w));
        fill(w, () -> (float) (std * rng.nextGaussian()));
    }

    /**
     * {@code kaiming_uniform_(a=sqrt(5))}, PyTorch's default for Linear and Conv weights:
     * U(-b, b) with b = 1 / sqrt(fan_in).
     */
    public static void kaimingUniformDefault(Tensor w, Rng rng) {
        uniform(w, 1.0 / Math.sqrt(fanIn(w)), rng);
    }

    /** U(-bound, bound). */
    public static void uniform(Tensor w, double bound, Rng rng) {
        fill(w, () -> (float) ((rng.nextDouble() * 2 - 1) * bound));
    }

    /** Fills with a constant. */
    public static void constant(Tensor w, float value) {
        try (var ignored = Grad.disabled()) {
            w.fill(value);
        }
    }

    /** Input fan of a weight: all dimensions but the first. */
    public static int fanIn(Tensor w) {
        return w.rank() < 2 ? w.numel() : w.numel() / w.size(0);
    }

    /** Output fan of a weight: all dimensions but the second. */
    public static int fanOut(Tensor w) {
        return w.rank() < 2 ? w.numel() : w.numel() / w.size(1);
    }

    private static void fill(Tensor w, java.util.function.DoubleSupplier values) {
        float[] v = new float[w.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) values.getAsDouble();
        }
        try (var ignored = Grad.disabled()) {
            w.copyFrom(Tensor.fromStorage(dev.panagrad.engine.backend.Storage.wrap(v), w.shape()));
        }
    }
}
