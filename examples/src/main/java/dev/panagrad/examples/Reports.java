package dev.panagrad.examples;

import dev.panagrad.cckd.train.EpochMetrics;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The run's charts (accuracy and loss terms per epoch) and report.md with the comparison table. */
final class Reports {
    private Reports() {
    }

    static void charts(Path out, Experiment.Stage teacher, List<Experiment.Stage> students) throws IOException {
        List<Charts.Series> accuracy = new ArrayList<>();
        int colour = 0;
        for (Experiment.Stage s : students) {
            accuracy.add(series(s.name() + " " + s.model(), s.history(), m -> 100 * m.testTop1(), Charts.PALETTE[colour++ % 8], false));
        }
        int maxEpoch = students.stream().mapToInt(s -> s.history().size()).max().orElse(1);
        double teacherTop1 = 100 * teacher.last().testTop1();
        accuracy.add(new Charts.Series("teacher " + teacher.model(), new double[] {1, Math.max(2, maxEpoch)},
                new double[] {teacherTop1, teacherTop1}, java.awt.Color.BLACK, true));
        Charts.writePng(Charts.lineChart("test top-1 accuracy (%)", "epoch", accuracy, 900, 480), out.resolve("accuracy.png"));

        List<BufferedImage> panels = new ArrayList<>();
        for (String term : MetricsLog.TERMS) {
            List<Charts.Series> lines = new ArrayList<>();
            colour = 0;
            for (Experiment.Stage s : students) {
                java.awt.Color c = Charts.PALETTE[colour++ % 8];
                if (s.last().losses().containsKey(term)) {
                    lines.add(series(s.name(), s.history(), m -> m.losses().getOrDefault(term, Double.NaN), c, false));
                }
            }
            if (!lines.isEmpty()) {
                panels.add(Charts.lineChart("loss term: " + term, "epoch", lines, 900, 300));
            }
        }
        if (!panels.isEmpty()) {
            Charts.writePng(Charts.stack(panels), out.resolve("losses.png"));
        }
    }

    private static Charts.Series series(String label, List<EpochMetrics> history,
                                        java.util.function.ToDoubleFunction<EpochMetrics> value, java.awt.Color colour,
                                        boolean dashed) {
        double[] x = new double[history.size()];
        double[] y = new double[history.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = history.get(i).epoch() + 1;
            y[i] = value.applyAsDouble(history.get(i));
        }
        return new Charts.Series(label, x, y, colour, dashed);
    }

    /** The comparison table in Markdown. */
    static String table(Experiment.Stage teacher, List<Experiment.Stage> students) {
        StringBuilder sb = new StringBuilder();
        sb.append("| model | method | top-1 | top-5 | intra-class cos | inter-class cos | epochs | time |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        row(sb, "teacher " + teacher.model(), "ce", teacher);
        for (Experiment.Stage s : students) {
            row(sb, "student " + s.model(), s.name(), s);
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, String model, String method, Experiment.Stage s) {
        EpochMetrics m = s.last();
        long secs = Math.round(s.seconds());
        sb.append(String.format(Locale.ROOT, "| %s | %s | %.2f%% | %.2f%% | %.3f | %.3f | %d | %d:%02d |%n", model, method,
                100 * m.testTop1(), 100 * m.testTop5(), m.student().intraClass(), m.student().interClass(),
                s.history().size(), secs / 60, secs % 60));
    }

    /** Writes report.md; returns the table. */
    static String write(Path out, String summary, Experiment.Stage teacher, List<Experiment.Stage> students)
            throws IOException {
        String table = table(teacher, students);
        StringBuilder md = new StringBuilder("# Distillation report\n\n");
        md.append(summary).append("\n\n");
        md.append("Top-1 and top-5 are on the test images after the last epoch. Intra- and inter-class cos are the ")
                .append("mean cosine similarity of the pooled embeddings of same-class and different-class pairs ")
                .append("(up to 500 test images): correlation congruence aims for the teacher's structure.\n\n");
        md.append(table).append('\n');
        md.append("![test accuracy per epoch](accuracy.png)\n\n");
        if (Files.exists(out.resolve("losses.png"))) {
            md.append("![loss terms per epoch](losses.png)\n\n");
        }
        md.append("![correlation matrices of teacher and students on one class-sorted batch](correlation.png)\n\n");
        md.append("Per-epoch metrics: `teacher/metrics.csv` and `students/<method>/metrics.csv` (also `.jsonl`); ")
                .append("models: `model.safetensors` in the same folders (PyTorch parameter names); settings: `config.json`.\n");
        Files.writeString(out.resolve("report.md"), md, StandardCharsets.UTF_8);
        return table;
    }
}
