package dev.panagrad.examples;

import dev.panagrad.nn.io.AtomicFile;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * SVG charts: line charts per epoch and correlation-matrix heat maps. SVG text is set by the viewer in
 * its own fonts, so the machine that draws a chart needs none. Axes are ticked at 1, 2 or 5 times a
 * power of ten; the legend sits beside the plot, never on the data.
 */
final class Charts {
    /** Colours for up to eight series, distinguishable in print. */
    static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};
    private static final String FONT = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\"";
    private static final int LEGEND_WIDTH = 200;
    /** Numbers the plots' clip paths: ids must stay unique when charts are stacked in one file. */
    private static final java.util.concurrent.atomic.AtomicInteger CLIPS = new java.util.concurrent.atomic.AtomicInteger();

    private Charts() {
    }

    /** One line of a chart. */
    record Series(String label, double[] x, double[] y, Color color, boolean dashed) {
    }

    /** Axis ticks: from {@code min} to {@code max} in steps of {@code step}, all of them round numbers. */
    record Ticks(double min, double max, double step) {
        List<Double> values() {
            List<Double> v = new ArrayList<>();
            long n = Math.round((max - min) / step);
            for (long i = 0; i <= n; i++) {
                v.add(min + i * step);
            }
            return v;
        }

        /** A tick's label, with as many decimals as the step needs. */
        String label(double value) {
            int decimals = (int) Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
            return String.format(Locale.ROOT, "%." + decimals + "f", value == 0 ? 0.0 : value);
        }
    }

    /**
     * Ticks covering [lo, hi] in about {@code target} steps of 1, 2 or 5 times a power of ten, at least
     * {@code minStep}; the axis ends on ticks, and never above {@code cap} when the data stays below it.
     */
    static Ticks niceTicks(double lo, double hi, int target, double minStep, double cap) {
        boolean underCap = hi <= cap;
        if (!(hi > lo)) {
            double pad = Math.max(Math.abs(lo) * 0.05, minStep > 0 ? minStep : 1e-3);
            lo -= pad;
            hi += pad;
        }
        double rough = (hi - lo) / target;
        double magnitude = Math.pow(10, Math.floor(Math.log10(rough)));
        double norm = rough / magnitude;
        double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
        step = Math.max(step, minStep);
        double min = Math.floor(lo / step + 1e-9) * step;
        double max = Math.ceil(hi / step - 1e-9) * step;
        if (underCap && max > cap) {
            max = cap;
        }
        return new Ticks(min, max, step);
    }

    /**
     * A line chart: title on top, the y axis ticked and labelled, epochs along x, the legend in a column to
     * the right of the plot. {@code yCap} bounds the axis (100 for accuracy in %), NaN for none.
     */
    static String lineChart(String title, String xLabel, String yLabel, List<Series> series, double yCap, int width,
                            int height) {
        double xMin = Double.POSITIVE_INFINITY;
        double xMax = Double.NEGATIVE_INFINITY;
        double yMin = Double.POSITIVE_INFINITY;
        double yMax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                if (Double.isFinite(s.y()[i])) {
                    xMin = Math.min(xMin, s.x()[i]);
                    xMax = Math.max(xMax, s.x()[i]);
                    yMin = Math.min(yMin, s.y()[i]);
                    yMax = Math.max(yMax, s.y()[i]);
                }
            }
        }
        if (!Double.isFinite(xMin)) {
            xMin = 1;
            xMax = 2;
            yMin = 0;
            yMax = 1;
        }
        Ticks xt = niceTicks(Math.min(xMin, 1), Math.max(xMax, xMin + 1), 8, 1, Double.POSITIVE_INFINITY);
        Ticks yt = niceTicks(yMin, yMax, 5, 0, Double.isNaN(yCap) ? Double.POSITIVE_INFINITY : yCap);
        int left = 70;
        int top = 40;
        int right = width - LEGEND_WIDTH - 20;
        int bottom = height - 50;
        StringBuilder svg = header(width, height);
        text(svg, width / 2.0, 24, 16, "middle", "bold", title);
        // grid and y ticks
        for (double v : yt.values()) {
            double y = bottom - (bottom - top) * (v - yt.min()) / (yt.max() - yt.min());
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>%n",
                    left, y, right, y));
            text(svg, left - 8, y + 4, 12, "end", "normal", yt.label(v));
        }
        for (double v : xt.values()) {
            double x = left + (right - left) * (v - xt.min()) / (xt.max() - xt.min());
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000\"/>%n",
                    x, bottom, x, bottom + 5));
            text(svg, x, bottom + 19, 12, "middle", "normal", xt.label(v));
        }
        svg.append(String.format(Locale.ROOT, "<polyline points=\"%d,%d %d,%d %d,%d\" fill=\"none\" stroke=\"#000\"/>%n",
                left, top, left, bottom, right, bottom));
        text(svg, (left + right) / 2.0, bottom + 40, 13, "middle", "normal", xLabel);
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" font-size=\"13\" text-anchor=\"middle\" %s "
                + "transform=\"rotate(-90 %d %.1f)\">%s</text>%n", 18, (top + bottom) / 2.0, FONT, 18, (top + bottom) / 2.0,
                escape(yLabel)));
        // lines, clipped to the plot
        String clip = "plot" + CLIPS.incrementAndGet();
        svg.append(String.format(Locale.ROOT, "<clipPath id=\"%s\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>"
                + "</clipPath>%n<g clip-path=\"url(#%s)\">%n", clip, left - 4, top - 4, right - left + 8, bottom - top + 8, clip));
        for (Series s : series) {
            StringBuilder points = new StringBuilder();
            StringBuilder dots = new StringBuilder();
            for (int i = 0; i < s.x().length; i++) {
                if (!Double.isFinite(s.y()[i])) {
                    continue;
                }
                double x = left + (right - left) * (s.x()[i] - xt.min()) / (xt.max() - xt.min());
                double y = bottom - (bottom - top) * (s.y()[i] - yt.min()) / (yt.max() - yt.min());
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                dots.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>", x, y,
                        hex(s.color())));
            }
            svg.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\"%s/>%n",
                    points.toString().trim(), hex(s.color()), s.dashed() ? " stroke-dasharray=\"8 5\"" : ""));
            svg.append(dots).append('\n');
        }
        svg.append("</g>\n");
        // legend column
        int lx = right + 24;
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            int y = top + 10 + 22 * i;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"%s/>%n",
                    lx, y, lx + 24, y, hex(s.color()), s.dashed() ? " stroke-dasharray=\"6 3\"" : ""));
            text(svg, lx + 32, y + 4, 12, "start", "normal", s.label());
        }
        return svg.append("</svg>\n").toString();
    }

    /** Heat maps of square matrices side by side, one colour scale for all, a title each and a colour bar. */
    static String heatMaps(List<String> titles, List<float[]> matrices, int n, int cell) {
        int size = n * cell;
        int gap = 30;
        int width = gap + matrices.size() * (size + gap);
        int height = size + 110;
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (float[] m : matrices) {
            for (float v : m) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        if (hi == lo) {
            hi = lo + 1;
        }
        StringBuilder svg = header(width, height);
        for (int k = 0; k < matrices.size(); k++) {
            int x0 = gap + k * (size + gap);
            text(svg, x0 + size / 2.0, 26, 14, "middle", "bold", titles.get(k));
            // Drawn at full size, cell by cell: viewers that smooth a scaled image would blur the cells.
            BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
            float[] m = matrices.get(k);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    int rgb = colour((m[i * n + j] - lo) / (hi - lo)).getRGB();
                    for (int y = i * cell; y < (i + 1) * cell; y++) {
                        for (int x = j * cell; x < (j + 1) * cell; x++) {
                            img.setRGB(x, y, rgb);
                        }
                    }
                }
            }
            image(svg, img, x0, 40, size, size);
        }
        int barW = Math.min(300, width - 2 * gap);
        int barY = height - 50;
        BufferedImage bar = new BufferedImage(barW, 1, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < barW; i++) {
            bar.setRGB(i, 0, colour(i / (float) (barW - 1)).getRGB());
        }
        image(svg, bar, gap, barY, barW, 12);
        Ticks t = niceTicks(lo, hi, 4, 0, Double.POSITIVE_INFINITY);
        for (double v : t.values()) {
            if (v < lo - 1e-9 || v > hi + 1e-9) {
                continue;
            }
            double x = gap + barW * (v - lo) / (hi - lo);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000\"/>%n", x,
                    barY + 12, x, barY + 16));
            text(svg, x, barY + 30, 11, "middle", "normal", t.label(v));
        }
        text(svg, gap + barW + 10, barY + 11, 12, "start", "normal", "kernel value");
        return svg.append("</svg>\n").toString();
    }

    /** A perceptually ordered dark-blue to yellow scale for t in [0, 1]. */
    static Color colour(float t) {
        float[][] stops = {{0.27f, 0.00f, 0.33f}, {0.23f, 0.32f, 0.55f}, {0.13f, 0.57f, 0.55f}, {0.37f, 0.79f, 0.38f},
            {0.99f, 0.91f, 0.14f}};
        float x = Math.max(0f, Math.min(1f, t)) * (stops.length - 1);
        int i = Math.min(stops.length - 2, (int) x);
        float f = x - i;
        return new Color(stops[i][0] + f * (stops[i + 1][0] - stops[i][0]), stops[i][1] + f * (stops[i + 1][1] - stops[i][1]),
                stops[i][2] + f * (stops[i + 1][2] - stops[i][2]));
    }

    /** Stacks charts of {@code width x height} each vertically in one SVG. */
    static String stack(List<String> charts, int width, int height) {
        StringBuilder svg = header(width, Math.max(1, height * charts.size()));
        for (int i = 0; i < charts.size(); i++) {
            svg.append(charts.get(i).replaceFirst("<svg ", "<svg y=\"" + i * height + "\" "));
        }
        return svg.append("</svg>\n").toString();
    }

    /** Writes a chart atomically (temporary file, then rename). */
    static void write(String svg, Path file) throws IOException {
        AtomicFile.write(file, svg.getBytes(StandardCharsets.UTF_8));
    }

    private static StringBuilder header(int width, int height) {
        return new StringBuilder(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                + "xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">%n"
                + "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>%n", width, height, width, height, width, height));
    }

    private static void text(StringBuilder svg, double x, double y, int size, String anchor, String weight, String s) {
        svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\" "
                + "font-weight=\"%s\" %s>%s</text>%n", x, y, size, anchor, weight, FONT, escape(s)));
    }

    /** A raster embedded as PNG. */
    private static void image(StringBuilder svg, BufferedImage img, int x, int y, int w, int h) {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String data = "data:image/png;base64," + Base64.getEncoder().encodeToString(png.toByteArray());
        svg.append(String.format(Locale.ROOT, "<image x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                + "preserveAspectRatio=\"none\" href=\"%s\" xlink:href=\"%s\"/>%n",
                x, y, w, h, data, data));
    }

    private static String hex(Color c) {
        return String.format(Locale.ROOT, "#%06x", c.getRGB() & 0xFFFFFF);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
