package dev.panagrad.engine;

import dev.panagrad.engine.ops.BatchNormalization;
import dev.panagrad.engine.ops.Convolution;

/**
 * Two ResNet-like blocks with 8 channels (conv, batch norm, relu_, conv, batch norm, add_, relu_), the
 * graph that the tests of memory reuse train: it saves, overwrites in place and sums gradients.
 */
final class ResidualBlocks {
    private ResidualBlocks() {
    }

    /** Four 3 x 3 convolution weights, then gamma and beta of each block's first batch norm (its second has none). */
    static Tensor[] parameters(Rng rng) {
        Tensor[] params = new Tensor[8];
        for (int i = 0; i < 4; i++) {
            params[i] = Tensor.randn(rng, 8, 8, 3, 3).mul(0.2f).requiresGrad(true);
        }
        for (int i = 4; i < 8; i++) {
            params[i] = Tensor.randn(rng, 8).mul(0.1f).add(i % 2 == 0 ? 1f : 0f).requiresGrad(true);
        }
        return params;
    }

    /** The two blocks applied to x [N, 8, H, W]. */
    static Tensor forward(Tensor x, Tensor[] params) {
        Tensor h = x;
        for (int b = 0; b < 2; b++) {
            Tensor a = conv(h, params[2 * b]);
            a = BatchNormalization.batchNorm(a, null, null, params[4 + 2 * b], params[5 + 2 * b], true, 0.1f, 1e-5f)
                    .reluInPlace();
            a = BatchNormalization.batchNorm(conv(a, params[2 * b + 1]), null, null, null, null, true, 0.1f, 1e-5f);
            h = a.addInPlace(h).reluInPlace();
        }
        return h;
    }

    static Tensor conv(Tensor x, Tensor w) {
        return Convolution.conv2d(x, w, null, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1);
    }
}
