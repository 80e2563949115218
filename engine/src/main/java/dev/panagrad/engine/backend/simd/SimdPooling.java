package dev.panagrad.engine.backend.simd;

import dev.panagrad.engine.backend.PoolGeometry;
import dev.panagrad.engine.backend.PoolingPlanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Max pooling of one plane for the simd backend, with the reference's results bit for bit
 * ({@link PoolingPlanes}: the first maximum of each window in row-major order, or its last NaN).
 *
 * <p>The reference compares value by value and branches on each comparison; on random data those
 * branches go either way, and a ResNet's 3 x 3 stride-2 pooling of 64 x 128 x 64 planes at batch 40 took
 * 95 ms. Here each output row first takes the maximum down its window's rows, a vector of columns at a
 * time, then along each window's columns: maxima without branches. The maximum of a set of floats is the
 * same in any order, except between +0 and -0, which compare equal, and for NaN, whose bits depend on
 * which NaN: a window whose maximum is zero or NaN takes the reference's loop, so the bits agree there too.
 * The backward needs where the maximum is: the first value in the window equal to it, which for any
 * other value is the reference's choice.
 */
final class SimdPooling {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Per thread: one output row's maxima down its windows' rows, per input column, and across kW columns. */
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[2][0]);

    private SimdPooling() {
    }

    /** Max pooling of plane {@code p}: a window wholly in the padding gives -infinity. */
    static void maxPoolPlane(PoolGeometry g, float[] x, float[] out, int p) {
        int oh = g.outH();
        int ow = g.outW();
        int in = p * g.inH() * g.inW();
        float[] down = Scratch.atLeast(BUFFERS.get(), 0, g.inW());
        float[] across = Scratch.atLeast(BUFFERS.get(), 1, g.inW());
        for (int oy = 0; oy < oh; oy++) {
            boolean rows = maxDownRows(g, x, in, oy, down);
            if (rows) {
                maxAcross(g.kernelW(), g.inW(), down, across);
            }
            int row = (p * oh + oy) * ow;
            for (int ox = 0; ox < ow; ox++) {
                float max = rows ? maxAlongColumns(g, down, across, ox) : Float.NEGATIVE_INFINITY;
                if (max == 0f || max != max) { // +0 against -0, or which NaN: the reference decides
                    int at = PoolingPlanes.windowMax(g, x, in, oy, ox);
                    max = at < 0 ? Float.NEGATIVE_INFINITY : x[at];
                }
                out[row + ox] = max;
            }
        }
    }

    /** Routes each output gradient of plane {@code p} to the maximum its forward chose, in output order. */
    static void maxPoolBackwardPlane(PoolGeometry g, float[] x, float[] gy, float[] gx, int p) {
        int oh = g.outH();
        int ow = g.outW();
        int w = g.inW();
        int in = p * g.inH() * w;
        java.util.Arrays.fill(gx, in, in + g.inH() * w, 0f);
        float[] down = Scratch.atLeast(BUFFERS.get(), 0, w);
        float[] across = Scratch.atLeast(BUFFERS.get(), 1, w);
        for (int oy = 0; oy < oh; oy++) {
            if (!maxDownRows(g, x, in, oy, down)) {
                continue; // every window of this row lies in the padding: no maximum to route to
            }
            maxAcross(g.kernelW(), w, down, across);
            int row = (p * oh + oy) * ow;
            int y0 = Math.max(0, oy * g.strideH() - g.padH());
            int y1 = Math.min(g.inH(), oy * g.strideH() - g.padH() + g.kernelH());
            for (int ox = 0; ox < ow; ox++) {
                int x0 = Math.max(0, ox * g.strideW() - g.padW());
                int x1 = Math.min(w, ox * g.strideW() - g.padW() + g.kernelW());
                if (x0 >= x1) {
                    continue;
                }
                float max = maxAlongColumns(g, down, across, ox);
                int at = -1;
                if (max == 0f || max != max) {
                    at = PoolingPlanes.windowMax(g, x, in, oy, ox);
                } else {
                    for (int iy = y0; iy < y1 && at < 0; iy++) {
                        for (int ix = x0; ix < x1; ix++) {
                            if (x[in + iy * w + ix] == max) {
                                at = in + iy * w + ix;
                                break;
                            }
                        }
                    }
                }
                gx[at] += gy[row + ox];
            }
        }
    }

    /**
     * {@code down[ix]} = the maximum over the input rows that output row oy's windows cover (those inside
     * the plane), for every column; false where they cover none.
     */
    private static boolean maxDownRows(PoolGeometry g, float[] x, int in, int oy, float[] down) {
        int w = g.inW();
        int y0 = Math.max(0, oy * g.strideH() - g.padH());
        int y1 = Math.min(g.inH(), oy * g.strideH() - g.padH() + g.kernelH());
        if (y0 >= y1) {
            return false;
        }
        int ix = 0;
        for (int end = S.loopBound(w); ix < end; ix += L) {
            FloatVector m = FloatVector.fromArray(S, x, in + y0 * w + ix);
            for (int iy = y0 + 1; iy < y1; iy++) {
                m = m.max(FloatVector.fromArray(S, x, in + iy * w + ix));
            }
            m.intoArray(down, ix);
        }
        for (; ix < w; ix++) {
            float m = x[in + y0 * w + ix];
            for (int iy = y0 + 1; iy < y1; iy++) {
                m = Math.max(m, x[in + iy * w + ix]);
            }
            down[ix] = m;
        }
        return true;
    }

    /** {@code across[ix]} = the maximum of {@code down[ix .. ix + kw)}, for every window wholly inside the row. */
    private static void maxAcross(int kw, int w, float[] down, float[] across) {
        int windows = w - kw + 1;
        int ix = 0;
        for (int end = S.loopBound(Math.max(0, windows)); ix < end; ix += L) { // loads reach ix + L - 1 + kw - 1 < w
            FloatVector m = FloatVector.fromArray(S, down, ix);
            for (int k = 1; k < kw; k++) {
                m = m.max(FloatVector.fromArray(S, down, ix + k));
            }
            m.intoArray(across, ix);
        }
        for (; ix < windows; ix++) {
            float m = down[ix];
            for (int k = 1; k < kw; k++) {
                m = Math.max(m, down[ix + k]);
            }
            across[ix] = m;
        }
    }

    /**
     * The maximum of {@code down} over output column ox's window (its columns inside the plane; -infinity
     * if none): from {@code across} where the window lies wholly inside the row.
     */
    private static float maxAlongColumns(PoolGeometry g, float[] down, float[] across, int ox) {
        int start = ox * g.strideW() - g.padW();
        if (start >= 0 && start + g.kernelW() <= g.inW()) {
            return across[start];
        }
        int x1 = Math.min(g.inW(), start + g.kernelW());
        float m = Float.NEGATIVE_INFINITY;
        for (int ix = Math.max(0, start); ix < x1; ix++) {
            m = Math.max(m, down[ix]);
        }
        return m;
    }
}
