package dev.panagrad.nn.layers;

import dev.panagrad.engine.Tensor;

/** Batch normalisation of [N, C] or [N, C, L], as {@code torch.nn.BatchNorm1d}. */
public final class BatchNorm1d extends BatchNorm {

    /** With PyTorch's defaults: eps 1e-5, momentum 0.1, affine. */
    public BatchNorm1d(int features) {
        this(features, 1e-5f, 0.1f, true);
    }

    public BatchNorm1d(int features, float eps, float momentum, boolean affine) {
        super(features, eps, momentum, affine);
    }

    @Override
    protected void checkInput(Tensor x) {
        if (x.rank() != 2 && x.rank() != 3) {
            throw new IllegalArgumentException("BatchNorm1d: expected 2-D or 3-D input [N, C(, L)], got " + x.shape());
        }
    }
}
