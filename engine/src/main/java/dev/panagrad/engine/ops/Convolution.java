package dev.panagrad.engine.ops;

import dev.panagrad.engine.Autograd;
import dev.panagrad.engine.Shape;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.Backends;
import dev.panagrad.engine.backend.ConvGeometry;

/**
 * 2-D convolution over NCHW tensors, as {@code torch.nn.functional.conv2d}. This is the op's
 * definition; the kernels ({@code Backend.conv2d}, {@code conv2dBackwardInput},
 * {@code conv2dBackwardWeight}) implement it, each backend with its own algorithms (for the simd backend,
 * {@code ConvPlan} says which). For group g, output channel o in g, input channel c in g and output
 * position (y, x), with tap (ky, kx) reading input row {@code iy = y sH - pH + ky dH} and column
 * {@code ix = x sW - pW + kx dW} (zero outside the image):
 * <pre>
 * forward   out[n, o, y, x] = bias[o] + sum_{c, ky, kx} w[o, c, ky, kx] in[n, c, iy, ix]
 * backward  d in[n, c, iy, ix]   = sum over (o, y, x, ky, kx) that read it of w[o, c, ky, kx] dout[n, o, y, x]
 *           d w[o, c, ky, kx]    = sum_{n, y, x} dout[n, o, y, x] in[n, c, iy, ix]
 *           d bias[o]            = sum_{n, y, x} dout[n, o, y, x]
 * </pre>
 * Each gradient is the forward's sum read the other way round: the input gradient is a transposed
 * convolution (the forward's adjoint), the weight gradient a correlation of the input with dout.
 */
public final class Convolution {
    private Convolution() {
    }

    /**
     * @param x      input [N, C, H, W]
     * @param weight [O, C / groups, kH, kW]
     * @param bias   [O], or null
     * @param stride {sH, sW}; padding {pH, pW} (zeros); dilation {dH, dW}
     * @return [N, O, outH, outW]
     */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
                                int groups) {
        ConvGeometry g = geometry(x, weight, bias, stride, padding, dilation, groups);
        Tensor out = Tensor.empty(Shape.of(g.batch(), g.outChannels(), g.outH(), g.outW())); // written in full
        Backends.current().conv2d(g, x.storage(), weight.storage(), bias == null ? null : bias.storage(), out.storage());
        Tensor[] inputs = bias == null ? new Tensor[] {x, weight} : new Tensor[] {x, weight, bias};
        return Autograd.op("conv2d", inputs).saves(x, weight).result(out, (gy, needs) -> {
            Backend be = Backends.current();
            Tensor gx = null;
            Tensor gw = null;
            Tensor gb = null;
            if (needs[0]) {
                gx = Tensor.empty(x.shape()); // written in full by the kernel
                be.conv2dBackwardInput(g, gy.storage(), weight.storage(), gx.storage());
            }
            boolean biasGrad = bias != null && needs[2];
            if (needs[1] || biasGrad) {
                gw = Tensor.empty(weight.shape()); // both written in full by the kernel
                gb = biasGrad ? Tensor.empty(bias.shape()) : null;
                be.conv2dBackwardWeight(g, x.storage(), gy.storage(), gw.storage(), gb == null ? null : gb.storage());
            }
            return bias == null ? new Tensor[] {gx, needs[1] ? gw : null} : new Tensor[] {gx, needs[1] ? gw : null, gb};
        });
    }

    private static ConvGeometry geometry(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding, int[] dilation,
                                         int groups) {
        String shapes = "conv2d: input " + x.shape() + " and weight " + w.shape();
        if (x.rank() != 4 || w.rank() != 4) {
            throw new IllegalArgumentException(shapes + ": expected 4-D input [N, C, H, W] and weight [O, C/groups, kH, kW]");
        }
        if (stride.length != 2 || padding.length != 2 || dilation.length != 2) {
            throw new IllegalArgumentException("conv2d: stride, padding and dilation need two values each");
        }
        if (groups < 1 || x.size(1) % groups != 0 || w.size(0) % groups != 0) {
            throw new IllegalArgumentException(shapes + ": " + groups + " groups must divide input channels "
                    + x.size(1) + " and output channels " + w.size(0));
        }
        if (w.size(1) * groups != x.size(1)) {
            throw new IllegalArgumentException(shapes + ": weight expects " + w.size(1) + " input channels per group ("
                    + groups + " groups), input has " + x.size(1) / groups);
        }
        if (bias != null && (bias.rank() != 1 || bias.size(0) != w.size(0))) {
            throw new IllegalArgumentException(shapes + ": bias " + bias.shape() + " must be [" + w.size(0) + "]");
        }
        if (stride[0] < 1 || stride[1] < 1 || dilation[0] < 1 || dilation[1] < 1 || padding[0] < 0 || padding[1] < 0) {
            throw new IllegalArgumentException(shapes + ": stride and dilation must be positive, padding non-negative");
        }
        ConvGeometry g = new ConvGeometry(x.size(0), x.size(1), x.size(2), x.size(3), w.size(0), w.size(2), w.size(3),
                stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1], groups);
        if (g.outH() < 1 || g.outW() < 1) {
            throw new IllegalArgumentException(shapes + ": output would be " + g.outH() + " x " + g.outW()
                    + " (kernel larger than the padded input)");
        }
        return g;
    }
}
