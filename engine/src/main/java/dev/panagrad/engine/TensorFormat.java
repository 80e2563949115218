package dev.panagrad.engine;

import java.util.Locale;

/**
 * Text form of a tensor, close to PyTorch's: nested brackets, four decimals (scientific notation for
 * very large or small magnitudes), and at most three leading and three trailing entries per
 * dimension once a tensor has more than 1000 elements.
 *
 * <pre>
 * tensor([[ 1.0000, -2.5000],
 *         [ 0.0000,  3.0000]], shape=[2, 2], requiresGrad=true)
 * </pre>
 */
final class TensorFormat {
    private static final int THRESHOLD = 1000;
    private static final int EDGE = 3;

    private TensorFormat() {
    }

    static String format(Tensor t) {
        float[] v = t.toArray(); // the values only: a pooled storage's array may be longer
        int[] dims = t.dims();
        boolean summarise = v.length > THRESHOLD;
        boolean sci = needsScientific(v);
        int width = 0;
        for (float x : v) {
            width = Math.max(width, number(x, sci).length());
        }
        StringBuilder sb = new StringBuilder("tensor(");
        if (dims.length == 0) {
            sb.append(number(v[0], sci));
        } else {
            int[] strides = t.shape().strides();
            append(sb, v, dims, strides, 0, 0, summarise, sci, width, "tensor(".length());
        }
        sb.append(", shape=").append(t.shape());
        if (t.gradFn() != null) {
            sb.append(", gradFn=").append(t.gradFn());
        } else if (t.requiresGrad()) {
            sb.append(", requiresGrad=true");
        }
        return sb.append(')').toString();
    }

    private static void append(StringBuilder sb, float[] v, int[] dims, int[] strides, int d, int offset,
                               boolean summarise, boolean sci, int width, int indent) {
        sb.append('[');
        int n = dims[d];
        boolean cut = summarise && n > 2 * EDGE;
        for (int i = 0; i < n; i++) {
            if (cut && i == EDGE) {
                sb.append(d == dims.length - 1 ? "..., " : "...,\n" + " ".repeat(indent + d + 1));
                i = n - EDGE;
            }
            if (d == dims.length - 1) {
                String s = number(v[offset + i * strides[d]], sci);
                sb.append(" ".repeat(width - s.length())).append(s);
            } else {
                append(sb, v, dims, strides, d + 1, offset + i * strides[d], summarise, sci, width, indent);
            }
            if (i < n - 1) {
                sb.append(d == dims.length - 1 ? ", " : "," + "\n".repeat(dims.length - 1 - d)
                        + " ".repeat(indent + d + 1));
            }
        }
        sb.append(']');
    }

    private static boolean needsScientific(float[] v) {
        float max = 0f;
        float minNonZero = Float.POSITIVE_INFINITY;
        for (float x : v) {
            float a = Math.abs(x);
            if (Float.isFinite(a)) {
                max = Math.max(max, a);
                if (a > 0f) {
                    minNonZero = Math.min(minNonZero, a);
                }
            }
        }
        return max >= 1e8f || (minNonZero < 1e-4f && max / minNonZero > 1e3f) || (max > 0f && max < 1e-4f);
    }

    private static String number(float x, boolean sci) {
        if (Float.isNaN(x)) {
            return "nan";
        }
        if (Float.isInfinite(x)) {
            return x > 0 ? "inf" : "-inf";
        }
        return String.format(Locale.ROOT, sci ? "%.4e" : "%.4f", x);
    }
}
