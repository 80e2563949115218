package dev.panagrad.nn.layers;

import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.Functional;
import dev.panagrad.nn.Module;

/** Max pooling with a square window, as {@code torch.nn.MaxPool2d} (dilation 1, floor mode). */
public final class MaxPool2d extends Module {
    private final int kernel;
    private final int stride;
    private final int padding;

    /** Stride equal to the kernel, no padding: PyTorch's defaults. */
    public MaxPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    public MaxPool2d(int kernel, int stride, int padding) {
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    /** Side of the square window. */
    public int kernelSize() {
        return kernel;
    }

    public int stride() {
        return stride;
    }

    /** Padding on each side (with minus infinity). */
    public int padding() {
        return padding;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.maxPool2d(x, kernel, stride, padding);
    }

    @Override
    protected String extraRepr() {
        return "kernel_size=" + kernel + ", stride=" + stride + ", padding=" + padding + ", dilation=1, ceil_mode=False";
    }
}
