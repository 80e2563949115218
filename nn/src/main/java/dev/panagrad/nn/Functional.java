package dev.panagrad.nn;

import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.ops.BatchNormalization;
import dev.panagrad.engine.ops.Convolution;
import dev.panagrad.engine.ops.LinearAlgebra;
import dev.panagrad.engine.ops.Pooling;

/**
 * Stateless forms of the layers, as {@code torch.nn.functional}: each takes its parameters as
 * arguments. All are differentiable.
 */
public final class Functional {
    private Functional() {
    }

    /** 2-D convolution; see {@link Convolution#conv2d}. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding, int dilation, int groups) {
        return Convolution.conv2d(x, weight, bias, new int[] {stride, stride}, new int[] {padding, padding},
                new int[] {dilation, dilation}, groups);
    }

    /** {@code x W^T + b}; see {@link LinearAlgebra#linear}. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return LinearAlgebra.linear(x, weight, bias);
    }

    /** Batch normalisation; see {@link BatchNormalization#batchNorm}. */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                   boolean training, float momentum, float eps) {
        return BatchNormalization.batchNorm(x, runningMean, runningVar, weight, bias, training, momentum, eps);
    }

    public static Tensor maxPool2d(Tensor x, int kernel, int stride, int padding) {
        return Pooling.maxPool2d(x, new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {padding, padding});
    }

    public static Tensor avgPool2d(Tensor x, int kernel, int stride, int padding) {
        return Pooling.avgPool2d(x, new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {padding, padding});
    }

    public static Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
        return Pooling.adaptiveAvgPool2d(x, outH, outW);
    }

    /**
     * Zeroes each element with probability {@code p} and scales the rest by {@code 1 / (1 - p)} when
     * {@code training}; the identity otherwise.
     */
    public static Tensor dropout(Tensor x, float p, boolean training, Rng rng) {
        if (p < 0f || p > 1f) {
            throw new IllegalArgumentException("dropout: probability must be in [0, 1], got " + p);
        }
        if (!training || p == 0f) {
            return x;
        }
        if (p == 1f) {
            return x.mul(0f);
        }
        float keep = 1f / (1f - p);
        float[] mask = new float[x.numel()];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = rng.nextFloat() < p ? 0f : keep;
        }
        return x.mul(Tensor.fromStorage(dev.panagrad.engine.backend.Storage.wrap(mask), x.shape()));
    }
}
