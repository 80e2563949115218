package dev.panagrad.nn.layers;

import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.Module;

/**
 * {@code max(x, 0)}, as {@code torch.nn.ReLU}. With {@code inplace}, the result is written over the input
 * ({@link Tensor#reluInPlace()}): no new activation, for inputs no op keeps for its backward, such as the
 * output of batch norm or of the residual addition in ResNet blocks.
 */
public final class ReLU extends Module {
    private final boolean inplace;

    public ReLU() {
        this(false);
    }

    public ReLU(boolean inplace) {
        this.inplace = inplace;
    }

    @Override
    public Tensor forward(Tensor x) {
        return inplace ? x.reluInPlace() : x.relu();
    }

    @Override
    protected String extraRepr() {
        return inplace ? "inplace=True" : "";
    }
}
