package dev.panagrad.engine.backend;

/**
 * The sizes of 2-D pooling over NCHW input [batch, channels, inH, inW] with a kernelH x kernelW window,
 * stride and zero padding, rounding the output size down (PyTorch's default, {@code ceil_mode=False}):
 * {@code outH = (inH + 2 padH - kernelH) / strideH + 1}.
 */
public record PoolGeometry(int batch, int channels, int inH, int inW, int kernelH, int kernelW,
                           int strideH, int strideW, int padH, int padW) {

    public int outH() {
        return (inH + 2 * padH - kernelH) / strideH + 1;
    }

    public int outW() {
        return (inW + 2 * padW - kernelW) / strideW + 1;
    }

    /** Number of (image, channel) planes. */
    public int planes() {
        return batch * channels;
    }
}
