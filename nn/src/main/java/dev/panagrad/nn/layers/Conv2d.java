package dev.panagrad.nn.layers;

import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.Functional;
import dev.panagrad.nn.Init;
import dev.panagrad.nn.Module;

/**
 * 2-D convolution, as {@code torch.nn.Conv2d}: input [N, inChannels, H, W], output
 * [N, outChannels, H', W']. Weight [outChannels, inChannels / groups, k, k], bias [outChannels];
 * both initialised as PyTorch does by default (U(-1/sqrt(fan_in), 1/sqrt(fan_in))).
 *
 * <pre>{@code
 * Conv2d conv = Conv2d.of(3, 16, 3).stride(1).padding(1).bias(false).build(rng);
 * }</pre>
 */
public final class Conv2d extends Module {
    private final int inChannels;
    private final int outChannels;
    private final int kernel;
    private final int stride;
    private final int padding;
    private final int dilation;
    private final int groups;
    private final Tensor weight;
    private final Tensor bias;

    private Conv2d(Builder b, Rng rng) {
        if (b.in % b.groups != 0 || b.out % b.groups != 0) {
            throw new IllegalArgumentException("Conv2d: groups " + b.groups + " must divide in_channels " + b.in
                    + " and out_channels " + b.out);
        }
        inChannels = b.in;
        outChannels = b.out;
        kernel = b.kernel;
        stride = b.stride;
        padding = b.padding;
        dilation = b.dilation;
        groups = b.groups;
        weight = registerParameter("weight", Tensor.zeros(b.out, b.in / b.groups, b.kernel, b.kernel));
        Init.kaimingUniformDefault(weight, rng);
        if (b.bias) {
            bias = registerParameter("bias", Tensor.zeros(b.out));
            Init.uniform(bias, 1.0 / Math.sqrt(Init.fanIn(weight)), rng);
        } else {
            bias = null;
        }
    }

    /** Starts a convolution from {@code in} to {@code out} channels with a square {@code kernel}. */
    public static Builder of(int in, int out, int kernel) {
        return new Builder(in, out, kernel);
    }

    /** Options of {@link Conv2d}, with PyTorch's defaults: stride 1, padding 0, dilation 1, groups 1, bias. */
    public static final class Builder {
        private final int in;
        private final int out;
        private final int kernel;
        private int stride = 1;
        private int padding;
        private int dilation = 1;
        private int groups = 1;
        private boolean bias = true;

        private Builder(int in, int out, int kernel) {
            this.in = in;
            this.out = out;
            this.kernel = kernel;
        }

        public Builder stride(int v) {
            stride = v;
            return this;
        }

        public Builder padding(int v) {
            padding = v;
            return this;
        }

        public Builder dilation(int v) {
            dilation = v;
            return this;
        }

        public Builder groups(int v) {
            groups = v;
            return this;
        }

        public Builder bias(boolean v) {
            bias = v;
            return this;
        }

        public Conv2d build(Rng rng) {
            return new Conv2d(this, rng);
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.conv2d(x, weight, bias, stride, padding, dilation, groups);
    }

    public Tensor weight() {
        return weight;
    }

    /** The bias, or null. */
    public Tensor bias() {
        return bias;
    }

    /** Side of the square kernel. */
    public int kernelSize() {
        return kernel;
    }

    public int stride() {
        return stride;
    }

    /** Zero padding on each side. */
    public int padding() {
        return padding;
    }

    public int dilation() {
        return dilation;
    }

    public int groups() {
        return groups;
    }

    @Override
    protected String extraRepr() {
        StringBuilder s = new StringBuilder().append(inChannels).append(", ").append(outChannels)
                .append(", kernel_size=(").append(kernel).append(", ").append(kernel)
                .append("), stride=(").append(stride).append(", ").append(stride).append(")");
        if (padding != 0) {
            s.append(", padding=(").append(padding).append(", ").append(padding).append(")");
        }
        if (dilation != 1) {
            s.append(", dilation=(").append(dilation).append(", ").append(dilation).append(")");
        }
        if (groups != 1) {
            s.append(", groups=").append(groups);
        }
        if (bias == null) {
            s.append(", bias=False");
        }
        return s.toString();
    }
}
