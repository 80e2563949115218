package dev.panagrad.engine.ops;

import dev.panagrad.engine.Autograd;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.Backends;
import dev.panagrad.engine.backend.PoolGeometry;

/** Max, average and adaptive average pooling over NCHW tensors, as {@code torch.nn.functional}. */
public final class Pooling {
    private Pooling() {
    }

    /** Max pooling of [N, C, H, W]; the gradient goes to the first maximum of each window. */
    public static Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding) {
        PoolGeometry g = geometry("maxPool2d", x, kernel, stride, padding);
        Tensor out = Tensor.zeros(g.batch(), g.channels(), g.outH(), g.outW());
        Backends.current().maxPool2d(g, x.storage(), out.storage());
        return Autograd.op("maxPool2d", x).saves(x).result(out, (gy, needs) -> {
            Tensor gx = Tensor.zeros(x.shape());
            Backends.current().maxPool2dBackward(g, x.storage(), gy.storage(), gx.storage());
            return new Tensor[] {gx};
        });
    }

    /** Average pooling of [N, C, H, W]; zero padding counts in the divisor, as PyTorch's default. */
    public static Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding) {
        PoolGeometry g = geometry("avgPool2d", x, kernel, stride, padding);
        Tensor out = Tensor.zeros(g.batch(), g.channels(), g.outH(), g.outW());
        Backends.current().avgPool2d(g, x.storage(), out.storage());
        return Autograd.op("avgPool2d", x).result(out, (gy, needs) -> {
            Tensor gx = Tensor.zeros(x.shape());
            Backends.current().avgPool2dBackward(g, gy.storage(), gx.storage());
            return new Tensor[] {gx};
        });
    }

    /** Adaptive average pooling of [N, C, H, W] to [N, C, outH, outW]. */
    public static Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException("adaptiveAvgPool2d: expected 4-D input [N, C, H, W], got " + x.shape());
        }
        if (outH < 1 || outW < 1 || x.size(2) < 1 || x.size(3) < 1) {
            throw new IllegalArgumentException("adaptiveAvgPool2d: cannot pool " + x.shape() + " to " + outH + " x " + outW);
        }
        int planes = x.size(0) * x.size(1);
        int h = x.size(2);
        int w = x.size(3);
        Tensor out = Tensor.zeros(x.size(0), x.size(1), outH, outW);
        Backends.current().adaptiveAvgPool2d(planes, h, w, outH, outW, x.storage(), out.storage());
        return Autograd.op("adaptiveAvgPool2d", x).result(out, (gy, needs) -> {
            Tensor gx = Tensor.zeros(x.shape());
            Backends.current().adaptiveAvgPool2dBackward(planes, h, w, outH, outW, gy.storage(), gx.storage());
            return new Tensor[] {gx};
        });
    }

    private static PoolGeometry geometry(String op, Tensor x, int[] kernel, int[] stride, int[] padding) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException(op + ": expected 4-D input [N, C, H, W], got " + x.shape());
        }
        if (kernel[0] < 1 || kernel[1] < 1 || stride[0] < 1 || stride[1] < 1) {
            throw new IllegalArgumentException(op + ": kernel and stride must be positive");
        }
        if (padding[0] < 0 || padding[1] < 0 || 2 * padding[0] > kernel[0] || 2 * padding[1] > kernel[1]) {
            throw new IllegalArgumentException(op + ": padding " + padding[0] + " x " + padding[1]
                    + " must be at most half the kernel " + kernel[0] + " x " + kernel[1]);
        }
        PoolGeometry g = new PoolGeometry(x.size(0), x.size(1), x.size(2), x.size(3), kernel[0], kernel[1],
                stride[0], stride[1], padding[0], padding[1]);
        if (g.outH() < 1 || g.outW() < 1) {
            throw new IllegalArgumentException(op + ": input " + x.shape() + " is smaller than the kernel "
                    + kernel[0] + " x " + kernel[1]);
        }
        return g;
    }
}
