package dev.panagrad.engine.backend.simd;

import dev.panagrad.engine.backend.HostArrayPool;
import dev.panagrad.engine.backend.ConvGeometry;

/**
 * The input gradient of a stride-1 convolution as a forward convolution: dX is the convolution of dY,
 * padded by {@code d (k - 1) - p}, with the kernel flipped and its channel roles swapped. Shared by the
 * kernels that compute it that way ({@link DirectConvolution}, {@link ChannelConvolution}).
 */
final class TransposedConvolution {
    private TransposedConvolution() {
    }

    /** The geometry of that forward: dY as input [N, Cout, Hout, Wout], dX as output. */
    static ConvGeometry geometry(ConvGeometry g) {
        return new ConvGeometry(g.batch(), g.outChannels(), g.outH(), g.outW(), g.inChannels(), g.kernelH(),
                g.kernelW(), 1, 1, g.dilationH() * (g.kernelH() - 1) - g.padH(),
                g.dilationW() * (g.kernelW() - 1) - g.padW(), g.dilationH(), g.dilationW(), g.groups());
    }

    /**
     * {@code W'[grp Cg + c][o][ky][kx] = W[grp Og + o][c][kH - 1 - ky][kW - 1 - kx]}, in an array borrowed
     * from the {@link HostArrayPool}: give it back when done.
     */
    static float[] weights(ConvGeometry g, float[] w) {
        int og = g.groupOutChannels();
        int cg = g.groupInChannels();
        int kh = g.kernelH();
        int kw = g.kernelW();
        float[] flipped = HostArrayPool.borrow(w.length); // every element written below
        for (int grp = 0; grp < g.groups(); grp++) {
            for (int o = 0; o < og; o++) {
                for (int c = 0; c < cg; c++) {
                    for (int ky = 0; ky < kh; ky++) {
                        for (int kx = 0; kx < kw; kx++) {
                            flipped[(((grp * cg + c) * og + o) * kh + ky) * kw + kx] =
                                    w[(((grp * og + o) * cg + c) * kh + (kh - 1 - ky)) * kw + (kw - 1 - kx)];
                        }
                    }
                }
            }
        }
        return flipped;
    }
}
