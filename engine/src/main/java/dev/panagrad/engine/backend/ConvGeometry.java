package dev.panagrad.engine.backend;

/**
 * The sizes of a 2-D convolution over NCHW input, as in {@code torch.nn.functional.conv2d}: input
 * [batch, inChannels, inH, inW], weight [outChannels, inChannels / groups, kernelH, kernelW], output
 * [batch, outChannels, outH, outW] with {@code outH = (inH + 2 padH - dilationH (kernelH - 1) - 1) / strideH + 1}.
 */
public record ConvGeometry(int batch, int inChannels, int inH, int inW, int outChannels, int kernelH, int kernelW,
                           int strideH, int strideW, int padH, int padW, int dilationH, int dilationW, int groups) {

    public int outH() {
        return (inH + 2 * padH - dilationH * (kernelH - 1) - 1) / strideH + 1;
    }

    public int outW() {
        return (inW + 2 * padW - dilationW * (kernelW - 1) - 1) / strideW + 1;
    }

    /** Input channels per group. */
    public int groupInChannels() {
        return inChannels / groups;
    }

    /** Output channels per group. */
    public int groupOutChannels() {
        return outChannels / groups;
    }

    /** Rows of one group's im2col matrix: the length of a weight row, (inChannels / groups) kH kW. */
    public int patchSize() {
        return groupInChannels() * kernelH * kernelW;
    }

    /** Whether the convolution is a plain matrix product per image (1 x 1 kernel, stride 1, no padding). */
    public boolean isPointwise() {
        return kernelH == 1 && kernelW == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0;
    }
}
