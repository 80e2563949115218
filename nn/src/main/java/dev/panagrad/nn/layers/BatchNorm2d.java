package dev.panagrad.nn.layers;

import dev.panagrad.engine.Tensor;

/** Batch normalisation of [N, C, H, W], as {@code torch.nn.BatchNorm2d}. */
public final class BatchNorm2d extends BatchNorm {

    /** With PyTorch's defaults: eps 1e-5, momentum 0.1, affine. */
    public BatchNorm2d(int features) {
        this(features, 1e-5f, 0.1f, true);
    }

    public BatchNorm2d(int features, float eps, float momentum, boolean affine) {
        super(features, eps, momentum, affine);
    }

    @Override
    protected void checkInput(Tensor x) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException("BatchNorm2d: expected 4-D input [N, C, H, W], got " + x.shape());
        }
    }
}
