package dev.panagrad.engine.backend.simd;

import dev.panagrad.engine.backend.ConvGeometry;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The im2col matrix of a convolution, never stored whole: packers that write the blocks GEMM asks for
 * straight from the image, in GEMM's packed layout, and col2im, its adjoint. Row r of the matrix is
 * patch element (c, ky, kx), column j is output position (oy, ox), and the entry is
 * {@code x[c][oy sH - pH + ky dH][ox sW - pW + kx dW]}, 0 in the padding.
 */
final class Im2col {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    private Im2col() {
    }

    /**
     * The im2col matrix as a GEMM B operand: row r is patch element (c, ky, kx), column j is output
     * position (oy, ox), and the entry is {@code x[c][oy sH - pH + ky dH][ox sW - pW + kx dW]}, 0 in the
     * padding. Consecutive positions along an output row read consecutive (stride 1) or evenly spaced
     * input values, so each row of a sliver is a few copies.
     */
    static GemmKernel.PanelPacker patchesByPosition(ConvGeometry g, float[] x, int xOff) {
        int ow = g.outW();
        int kk = g.kernelH() * g.kernelW();
        return (p0, kc, j0, width, nr, dst, off) -> {
            for (int r = 0; r < kc; r++) {
                int patch = p0 + r;
                int c = patch / kk;
                int ky = (patch % kk) / g.kernelW();
                int kx = patch % g.kernelW();
                int plane = xOff + c * g.inH() * g.inW();
                int dx = kx * g.dilationW() - g.padW();
                // Output columns whose input column lies inside the image: ox in [lo, hi).
                int lo = Math.min(ow, Math.max(0, ceilDiv(-dx, g.strideW())));
                int hi = Math.max(lo, Math.min(ow, ceilDiv(g.inW() - dx, g.strideW())));
                int row = off + r * nr;
                int oy = j0 / ow;
                int ox = j0 % ow;
                for (int filled = 0; filled < width; oy++, ox = 0) {
                    int run = Math.min(width - filled, ow - ox);
                    int d = row + filled - ox; // dst index of output column 0 of this output row
                    int iy = oy * g.strideH() - g.padH() + ky * g.dilationH();
                    if (iy < 0 || iy >= g.inH()) {
                        Arrays.fill(dst, d + ox, d + ox + run, 0f);
                    } else {
                        int a = Math.min(ox + run, Math.max(ox, lo));
                        int b = Math.max(a, Math.min(ox + run, hi));
                        Arrays.fill(dst, d + ox, d + a, 0f);
                        int src = plane + iy * g.inW() + dx;
                        if (g.strideW() == 1) {
                            System.arraycopy(x, src + a, dst, d + a, b - a);
                        } else {
                            for (int o = a; o < b; o++) {
                                dst[d + o] = x[src + o * g.strideW()];
                            }
                        }
                        Arrays.fill(dst, d + b, d + ox + run, 0f);
                    }
                    filled += run;
                }
                Arrays.fill(dst, row + width, row + nr, 0f);
            }
        };
    }

    /**
     * The transposed im2col matrix as a GEMM B operand (for the weight gradient): row p is output
     * position (oy, ox), column j is patch element (c, ky, kx). Filled one patch element (column) at a
     * time, walking the positions of each output row as one run of valid input columns.
     */
    static GemmKernel.PanelPacker positionsByPatch(ConvGeometry g, float[] x, int xOff) {
        return (p0, kc, j0, width, nr, dst, off) -> packPositionsByPatch(g, x, xOff, p0, kc, j0, width, nr, dst, off);
    }

    /**
     * {@link #positionsByPatch} over the output positions of all images of a batch, image after image:
     * row q is position {@code q % P} of image {@code q / P}; columns are the patch elements of group
     * {@code group}. A sliver's rows that cross from one image to the next are packed in two runs.
     */
    static GemmKernel.PanelPacker positionsByPatchAcrossImages(ConvGeometry g, float[] x, int group) {
        int positions = g.outH() * g.outW();
        int image = g.inChannels() * g.inH() * g.inW();
        int groupOff = group * g.groupInChannels() * g.inH() * g.inW();
        return (p0, kc, j0, width, nr, dst, off) -> {
            for (int q = p0; q < p0 + kc; ) {
                int n = q / positions;
                int local = q % positions;
                int run = Math.min(p0 + kc - q, positions - local);
                packPositionsByPatch(g, x, n * image + groupOff, local, run, j0, width, nr, dst, off + (q - p0) * nr);
                q += run;
            }
        };
    }

    private static void packPositionsByPatch(ConvGeometry g, float[] x, int xOff, int p0, int kc, int j0, int width,
                                             int nr, float[] dst, int off) {
        int ow = g.outW();
        int kk = g.kernelH() * g.kernelW();
        int sw = g.strideW();
        if (width < nr) {
            Arrays.fill(dst, off, off + kc * nr, 0f);
        }
        for (int j = 0; j < width; j++) {
            int patch = j0 + j;
            int plane = xOff + (patch / kk) * g.inH() * g.inW();
            int ky = (patch % kk) / g.kernelW();
            int dx = (patch % g.kernelW()) * g.dilationW() - g.padW();
            int lo = Math.min(ow, Math.max(0, ceilDiv(-dx, sw)));
            int hi = Math.max(lo, Math.min(ow, ceilDiv(g.inW() - dx, sw)));
            int oy = p0 / ow;
            int ox = p0 % ow;
            for (int done = 0; done < kc; oy++, ox = 0) {
                int run = Math.min(kc - done, ow - ox);
                int d = off + (done - ox) * nr + j; // dst index of output column 0 of this output row
                int iy = oy * g.strideH() - g.padH() + ky * g.dilationH();
                int a = Math.min(ox + run, Math.max(ox, lo));
                int b = Math.max(a, Math.min(ox + run, hi));
                if (iy < 0 || iy >= g.inH()) {
                    a = b = ox + run;
                    for (int o = ox; o < a; o++) {
                        dst[d + o * nr] = 0f;
                    }
                } else {
                    for (int o = ox; o < a; o++) {
                        dst[d + o * nr] = 0f;
                    }
                    int src = plane + iy * g.inW() + dx;
                    for (int o = a; o < b; o++) {
                        dst[d + o * nr] = x[src + o * sw];
                    }
                    for (int o = b; o < ox + run; o++) {
                        dst[d + o * nr] = 0f;
                    }
                }
                done += run;
            }
        }
    }

    /** The adjoint of im2col: adds every entry of {@code col} (K x P) back to the input position it came from. */
    static void col2im(ConvGeometry g, float[] col, float[] gx, int gxOff) {
        int oh = g.outH();
        int ow = g.outW();
        int p = oh * ow;
        int row = 0;
        for (int c = 0; c < g.groupInChannels(); c++) {
            int plane = gxOff + c * g.inH() * g.inW();
            for (int ky = 0; ky < g.kernelH(); ky++) {
                for (int kx = 0; kx < g.kernelW(); kx++, row++) {
                    int src = row * p;
                    int dx = kx * g.dilationW() - g.padW();
                    int lo = Math.min(ow, Math.max(0, ceilDiv(-dx, g.strideW())));
                    int hi = Math.max(lo, Math.min(ow, ceilDiv(g.inW() - dx, g.strideW())));
                    for (int oy = 0; oy < oh; oy++, src += ow) {
                        int iy = oy * g.strideH() - g.padH() + ky * g.dilationH();
                        if (iy < 0 || iy >= g.inH()) {
                            continue;
                        }
                        int dst = plane + iy * g.inW() + dx;
                        int sw = g.strideW();
                        if (sw == 1) {
                            addRun(col, src + lo, gx, dst + lo, hi - lo);
                        } else {
                            for (int ox = lo; ox < hi; ox++) {
                                gx[dst + ox * sw] += col[src + ox];
                            }
                        }
                    }
                }
            }
        }
    }

    /** {@code dst[d, d + n) += src[s, s + n)}. */
    private static void addRun(float[] src, int s, float[] dst, int d, int n) {
        int i = 0;
        for (int end = SPECIES.loopBound(n); i < end; i += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, dst, d + i).add(FloatVector.fromArray(SPECIES, src, s + i)).intoArray(dst, d + i);
        }
        for (; i < n; i++) {
            dst[d + i] += src[s + i];
        }
    }

    private static int ceilDiv(int a, int b) {
        return Math.floorDiv(a + b - 1, b);
    }
}
