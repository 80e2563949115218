package dev.panagrad.nn.layers;

import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.Functional;
import dev.panagrad.nn.Module;

/** Average pooling to a fixed output size whatever the input size, as {@code torch.nn.AdaptiveAvgPool2d}. */
public final class AdaptiveAvgPool2d extends Module {
    private final int outH;
    private final int outW;

    public AdaptiveAvgPool2d(int outH, int outW) {
        this.outH = outH;
        this.outW = outW;
    }

    /** Output height and width. */
    public int[] outputSize() {
        return new int[] {outH, outW};
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.adaptiveAvgPool2d(x, outH, outW);
    }

    @Override
    protected String extraRepr() {
        return "output_size=(" + outH + ", " + outW + ")";
    }
}
