package dev.panagrad.nn.layers;

import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.Module;

/** {@code max(x, 0)}, as {@code torch.nn.ReLU}. */
public final class ReLU extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return x.relu();
    }
}
