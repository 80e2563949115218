package dev.panagrad.examples;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/** PNG charts drawn with Java2D: line charts per epoch and correlation-matrix heat maps. */
final class Charts {
    /** Colours for up to eight series, distinguishable in print. */
    static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};
    private static final int FONT = 2;

    private Charts() {
    }

    /** One line of a chart. */
    record Series(String label, double[] x, double[] y, Color color, boolean dashed) {
    }

    /** A line chart with axes, ticks, a title and a legend. */
    static BufferedImage lineChart(String title, String xLabel, List<Series> series, int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        int left = 80;
        int right = width - 40;
        int top = 40;
        int bottom = height - 50 - 20 * ((series.size() + 2) / 3);
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
            xMin = 0;
            xMax = 1;
            yMin = 0;
            yMax = 1;
        }
        if (xMax == xMin) {
            xMax = xMin + 1;
        }
        double pad = (yMax - yMin) * 0.05;
        if (pad == 0) {
            pad = Math.max(1e-3, Math.abs(yMax) * 0.05);
        }
        yMin -= pad;
        yMax += pad;
        PixelFont.draw(g, title, (width - PixelFont.width(title, FONT)) / 2, 12, FONT, Color.BLACK);
        g.setColor(new Color(0xdddddd));
        for (int i = 0; i <= 4; i++) {
            int y = bottom - (bottom - top) * i / 4;
            g.drawLine(left, y, right, y);
            String label = format(yMin + (yMax - yMin) * i / 4);
            PixelFont.draw(g, label, left - 8 - PixelFont.width(label, FONT), y - 7, FONT, Color.DARK_GRAY);
            g.setColor(new Color(0xdddddd));
        }
        int ticks = (int) Math.min(10, Math.round(xMax - xMin));
        ticks = Math.max(1, ticks);
        for (int i = 0; i <= ticks; i++) {
            double xv = xMin + (xMax - xMin) * i / ticks;
            int x = left + (int) Math.round((right - left) * (xv - xMin) / (xMax - xMin));
            String label = Math.rint(xv) == xv ? Long.toString(Math.round(xv)) : format(xv);
            PixelFont.draw(g, label, x - PixelFont.width(label, FONT) / 2, bottom + 8, FONT, Color.DARK_GRAY);
        }
        PixelFont.draw(g, xLabel, (left + right - PixelFont.width(xLabel, FONT)) / 2, bottom + 26, FONT, Color.BLACK);
        g.setColor(Color.BLACK);
        g.drawLine(left, top, left, bottom);
        g.drawLine(left, bottom, right, bottom);
        for (Series s : series) {
            g.setColor(s.color());
            g.setStroke(s.dashed() ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {8f, 6f}, 0f)
                    : new BasicStroke(2.5f));
            int px = -1;
            int py = -1;
            for (int i = 0; i < s.x().length; i++) {
                if (!Double.isFinite(s.y()[i])) {
                    continue;
                }
                int x = left + (int) Math.round((right - left) * (s.x()[i] - xMin) / (xMax - xMin));
                int y = bottom - (int) Math.round((bottom - top) * (s.y()[i] - yMin) / (yMax - yMin));
                if (px >= 0) {
                    g.drawLine(px, py, x, y);
                }
                g.fillOval(x - 3, y - 3, 6, 6);
                px = x;
                py = y;
            }
        }
        g.setStroke(new BasicStroke(1f));
        int ly = bottom + 48;
        for (int i = 0; i < series.size(); i++) {
            int lx = left + (i % 3) * ((right - left) / 3);
            int y = ly + (i / 3) * 20;
            g.setColor(series.get(i).color());
            g.fillRect(lx, y + 4, 20, 6);
            PixelFont.draw(g, series.get(i).label(), lx + 28, y, FONT, Color.BLACK);
        }
        g.dispose();
        return img;
    }

    /** Heat maps of square matrices side by side, one colour scale for all, with a title each. */
    static BufferedImage heatMaps(List<String> titles, List<float[]> matrices, int n, int cell) {
        int size = n * cell;
        int gap = 30;
        int width = gap + matrices.size() * (size + gap);
        int height = size + 100;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
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
        for (int k = 0; k < matrices.size(); k++) {
            int x0 = gap + k * (size + gap);
            int y0 = 40;
            PixelFont.draw(g, titles.get(k), x0 + (size - PixelFont.width(titles.get(k), FONT)) / 2, 12, FONT, Color.BLACK);
            float[] m = matrices.get(k);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    g.setColor(colour((m[i * n + j] - lo) / (hi - lo)));
                    g.fillRect(x0 + j * cell, y0 + i * cell, cell, cell);
                }
            }
        }
        // colour bar
        int barY = height - 40;
        int barX = gap;
        int barW = Math.min(300, width - 2 * gap - 120);
        for (int i = 0; i < barW; i++) {
            g.setColor(colour(i / (float) (barW - 1)));
            g.fillRect(barX + i, barY, 1, 12);
        }
        PixelFont.draw(g, format(lo), barX, barY + 16, FONT, Color.DARK_GRAY);
        String hiLabel = format(hi);
        PixelFont.draw(g, hiLabel, barX + barW - PixelFont.width(hiLabel, FONT), barY + 16, FONT, Color.DARK_GRAY);
        g.dispose();
        return img;
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

    /** Stacks images vertically. */
    static BufferedImage stack(List<BufferedImage> parts) {
        int w = parts.stream().mapToInt(BufferedImage::getWidth).max().orElse(1);
        int h = parts.stream().mapToInt(BufferedImage::getHeight).sum();
        BufferedImage img = new BufferedImage(w, Math.max(1, h), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        int y = 0;
        for (BufferedImage p : parts) {
            g.drawImage(p, 0, y, null);
            y += p.getHeight();
        }
        g.dispose();
        return img;
    }

    /** Writes a PNG atomically (temporary file, then rename). */
    static void writePng(BufferedImage img, Path file) throws IOException {
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "." + file.getFileName() + ".", ".tmp");
        try {
            ImageIO.write(img, "png", tmp.toFile());
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static String format(double v) {
        double a = Math.abs(v);
        if (a != 0 && (a < 0.01 || a >= 10000)) {
            return String.format(Locale.ROOT, "%.1e", v);
        }
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : "%.3f", v);
    }
}
