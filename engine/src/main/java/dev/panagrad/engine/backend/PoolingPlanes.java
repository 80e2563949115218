package dev.panagrad.engine.backend;

/**
 * The pooling kernels' reference loops for one plane ({@code [H, W]} of one image and channel). The scalar
 * backend runs them; the SIMD backend runs planes in parallel, average pooling through these loops (a few
 * adds per value, memory-bound) and max pooling through its own ({@code SimdPooling}), whose windows
 * inside the plane take no branch on the data.
 */
public final class PoolingPlanes {
    private PoolingPlanes() {
    }

    /** Max pooling of plane {@code p}: a window wholly in the padding gives -infinity. */
    public static void maxPoolPlane(PoolGeometry g, float[] x, float[] out, int p) {
        int oh = g.outH();
        int ow = g.outW();
        int in = p * g.inH() * g.inW();
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                int at = windowMax(g, x, in, oy, ox);
                out[(p * oh + oy) * ow + ox] = at < 0 ? Float.NEGATIVE_INFINITY : x[at];
            }
        }
    }

    /** Routes each output gradient of plane {@code p} to the maximum its forward chose. */
    public static void maxPoolBackwardPlane(PoolGeometry g, float[] x, float[] gy, float[] gx, int p) {
        int oh = g.outH();
        int ow = g.outW();
        int in = p * g.inH() * g.inW();
        java.util.Arrays.fill(gx, in, in + g.inH() * g.inW(), 0f);
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                int at = windowMax(g, x, in, oy, ox);
                if (at >= 0) {
                    gx[at] += gy[(p * oh + oy) * ow + ox];
                }
            }
        }
    }

    /**
     * The index in x of the maximum of output (oy, ox)'s window over the plane at {@code in}: the first
     * maximum, or the last NaN if any (as PyTorch); -1 for a window wholly in the padding.
     */
    public static int windowMax(PoolGeometry g, float[] x, int in, int oy, int ox) {
        float max = Float.NEGATIVE_INFINITY;
        int at = -1;
        for (int ky = 0; ky < g.kernelH(); ky++) {
            int iy = oy * g.strideH() - g.padH() + ky;
            for (int kx = 0; kx < g.kernelW(); kx++) {
                int ix = ox * g.strideW() - g.padW() + kx;
                if (iy >= 0 && iy < g.inH() && ix >= 0 && ix < g.inW()) {
                    float v = x[in + iy * g.inW() + ix];
                    if (at < 0 || v > max || Float.isNaN(v)) {
                        max = v;
                        at = in + iy * g.inW() + ix;
                    }
                }
            }
        }
        return at;
    }

    /** Average pooling of plane {@code p}, padding included in the divisor. */
    public static void avgPoolPlane(PoolGeometry g, float[] x, float[] out, int p) {
        int oh = g.outH();
        int ow = g.outW();
        int in = p * g.inH() * g.inW();
        float inv = 1f / (g.kernelH() * g.kernelW());
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                float sum = 0f;
                for (int ky = 0; ky < g.kernelH(); ky++) {
                    int iy = oy * g.strideH() - g.padH() + ky;
                    for (int kx = 0; kx < g.kernelW(); kx++) {
                        int ix = ox * g.strideW() - g.padW() + kx;
                        if (iy >= 0 && iy < g.inH() && ix >= 0 && ix < g.inW()) {
                            sum += x[in + iy * g.inW() + ix];
                        }
                    }
                }
                out[(p * oh + oy) * ow + ox] = sum * inv;
            }
        }
    }

    /** Spreads each output gradient of plane {@code p} evenly over its window. */
    public static void avgPoolBackwardPlane(PoolGeometry g, float[] gy, float[] gx, int p) {
        int oh = g.outH();
        int ow = g.outW();
        int in = p * g.inH() * g.inW();
        float inv = 1f / (g.kernelH() * g.kernelW());
        java.util.Arrays.fill(gx, in, in + g.inH() * g.inW(), 0f);
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                float d = gy[(p * oh + oy) * ow + ox] * inv;
                for (int ky = 0; ky < g.kernelH(); ky++) {
                    int iy = oy * g.strideH() - g.padH() + ky;
                    for (int kx = 0; kx < g.kernelW(); kx++) {
                        int ix = ox * g.strideW() - g.padW() + kx;
                        if (iy >= 0 && iy < g.inH() && ix >= 0 && ix < g.inW()) {
                            gx[in + iy * g.inW() + ix] += d;
                        }
                    }
                }
            }
        }
    }

    /**
     * Adaptive average pooling of plane {@code p} ({@code backward} false: src is [inH, inW], dst
     * [outH, outW]) or its adjoint ({@code backward} true: src is the output gradient, dst the input
     * gradient, overwritten).
     */
    public static void adaptivePlane(int inH, int inW, int outH, int outW, float[] src, float[] dst, int p,
                                        boolean backward) {
        int in = p * inH * inW;
        int out = p * outH * outW;
        if (backward) {
            java.util.Arrays.fill(dst, in, in + inH * inW, 0f);
        }
        for (int oy = 0; oy < outH; oy++) {
            int y0 = oy * inH / outH;
            int y1 = ((oy + 1) * inH + outH - 1) / outH;
            for (int ox = 0; ox < outW; ox++) {
                int x0 = ox * inW / outW;
                int x1 = ((ox + 1) * inW + outW - 1) / outW;
                float inv = 1f / ((y1 - y0) * (x1 - x0));
                if (backward) {
                    float d = src[out + oy * outW + ox] * inv;
                    for (int y = y0; y < y1; y++) {
                        for (int x = x0; x < x1; x++) {
                            dst[in + y * inW + x] += d;
                        }
                    }
                } else {
                    float sum = 0f;
                    for (int y = y0; y < y1; y++) {
                        for (int x = x0; x < x1; x++) {
                            sum += src[in + y * inW + x];
                        }
                    }
                    dst[out + oy * outW + ox] = sum * inv;
                }
            }
        }
    }
}
