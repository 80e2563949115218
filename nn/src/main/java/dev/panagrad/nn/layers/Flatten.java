package dev.panagrad.nn.layers;

import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.Module;

/** Merges dimensions {@code startDim..endDim}, as {@code torch.nn.Flatten} (default 1 to -1: [N, ...] to [N, M]). */
public final class Flatten extends Module {
    private final int startDim;
    private final int endDim;

    public Flatten() {
        this(1, -1);
    }

    public Flatten(int startDim, int endDim) {
        this.startDim = startDim;
        this.endDim = endDim;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.flatten(startDim, endDim);
    }

    @Override
    protected String extraRepr() {
        return "start_dim=" + startDim + ", end_dim=" + endDim;
    }
}
