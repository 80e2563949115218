package dev.panagrad.nn.layers;

import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.Functional;
import dev.panagrad.nn.Init;
import dev.panagrad.nn.Module;

/**
 * {@code y = x W^T + b}, as {@code torch.nn.Linear}: input [..., in], output [..., out]; weight [out, in],
 * bias [out], initialised U(-1/sqrt(in), 1/sqrt(in)) as PyTorch.
 */
public final class Linear extends Module {
    private final Tensor weight;
    private final Tensor bias;

    public Linear(int in, int out, Rng rng) {
        this(in, out, true, rng);
    }

    public Linear(int in, int out, boolean withBias, Rng rng) {
        weight = registerParameter("weight", Tensor.zeros(out, in));
        Init.kaimingUniformDefault(weight, rng);
        if (withBias) {
            bias = registerParameter("bias", Tensor.zeros(out));
            Init.uniform(bias, 1.0 / Math.sqrt(in), rng);
        } else {
            bias = null;
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.linear(x, weight, bias);
    }

    public Tensor weight() {
        return weight;
    }

    public Tensor bias() {
        return bias;
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + weight.size(1) + ", out_features=" + weight.size(0) + ", bias=" + (bias != null ? "True" : "False");
    }
}
