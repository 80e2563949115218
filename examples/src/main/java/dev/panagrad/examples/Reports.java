package dev.panagrad.examples;

import dev.panagrad.cckd.train.EpochMetrics;
import dev.panagrad.cckd.train.Retrieval;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The run's charts (accuracy and loss terms per epoch) and report.md with the comparison table. */
final class Reports {
    /** Size of each loss-term panel in losses.svg. */
    private static final int PANEL_WIDTH = 900;
    private static final int PANEL_HEIGHT = 300;

    private Reports() {
    }

    static void charts(Path out, Experiment.Stage teacher, List<Experiment.Stage> students) throws IOException {
        List<Charts.Series> accuracy = new ArrayList<>();
        int colour = 0;
        for (Experiment.Stage s : students) {
            accuracy.add(series(s.name() + " " + s.model(), s.history(), m -> 100 * m.testTop1(), Charts.PALETTE[colour++ % 8], false));
        }
        if (teacher.history().size() > 1 || teacher.last().epoch() > 0) {
            accuracy.add(series("teacher " + teacher.model(), teacher.history(), m -> 100 * m.testTop1(), Color.BLACK, true));
        } else {
            // A teacher loaded from a file has no curve: its accuracy, marked as final, across the students' epochs.
            int maxEpoch = students.stream().mapToInt(s -> s.history().size()).max().orElse(1);
            double top1 = 100 * teacher.last().testTop1();
            accuracy.add(new Charts.Series("teacher " + teacher.model() + " (final)", new double[] {1, Math.max(2, maxEpoch)},
                    new double[] {top1, top1}, Color.BLACK, true));
        }
        Charts.write(Charts.lineChart("Test top-1 accuracy", "epoch", "top-1 (%)", accuracy, 100, 900, 440),
                out.resolve("accuracy.svg"));

        List<String> panels = new ArrayList<>();
        for (String term : MetricsLog.TERMS) {
            List<Charts.Series> lines = new ArrayList<>();
            colour = 0;
            for (Experiment.Stage s : students) {
                Color c = Charts.PALETTE[colour++ % 8];
                if (s.last().losses().containsKey(term)) {
                    lines.add(series(s.name(), s.history(), m -> m.losses().getOrDefault(term, Double.NaN), c, false));
                }
            }
            if (!lines.isEmpty()) {
                panels.add(Charts.lineChart("Loss term: " + term, "epoch", "mean per batch", lines, Double.NaN, PANEL_WIDTH,
                        PANEL_HEIGHT));
            }
        }
        if (!panels.isEmpty()) {
            Charts.write(Charts.stack(panels, PANEL_WIDTH, PANEL_HEIGHT), out.resolve("losses.svg"));
        }
    }

    private static Charts.Series series(String label, List<EpochMetrics> history,
                                        java.util.function.ToDoubleFunction<EpochMetrics> value, Color colour,
                                        boolean dashed) {
        double[] x = new double[history.size()];
        double[] y = new double[history.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = history.get(i).epoch() + 1;
            y[i] = value.applyAsDouble(history.get(i));
        }
        return new Charts.Series(label, x, y, colour, dashed);
    }

    /**
     * The comparison table in Markdown. With {@code retrievalFirst} (the reid preset) the retrieval columns
     * lead, as in the paper's re-identification tables; else classification accuracy does.
     */
    static String table(Experiment.Stage teacher, List<Experiment.Stage> students, boolean retrievalFirst) {
        String accuracy = "top-1 | top-5";
        String retrieval = "rank-1 | rank-5 | rank-10 | mAP";
        StringBuilder sb = new StringBuilder();
        sb.append("| model | method | ").append(retrievalFirst ? retrieval + " | " + accuracy : accuracy + " | " + retrieval)
                .append(" | intra-class cos | inter-class cos | epochs | time |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        row(sb, "teacher " + teacher.model(), "ce", teacher, retrievalFirst);
        for (Experiment.Stage s : students) {
            row(sb, "student " + s.model(), s.name(), s, retrievalFirst);
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, String model, String method, Experiment.Stage s, boolean retrievalFirst) {
        EpochMetrics m = s.last();
        long secs = Math.round(s.seconds());
        Retrieval r = m.studentRetrieval();
        String accuracy = String.format(Locale.ROOT, "%.2f%% | %.2f%%", 100 * m.testTop1(), 100 * m.testTop5());
        String retrieval = String.format(Locale.ROOT, "%.2f%% | %.2f%% | %.2f%% | %.2f%%", 100 * r.rank1(), 100 * r.rank5(),
                100 * r.rank10(), 100 * r.meanAveragePrecision());
        sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %.3f | %.3f | %d | %d:%02d |%n", model, method,
                retrievalFirst ? retrieval + " | " + accuracy : accuracy + " | " + retrieval, m.student().intraClass(),
                m.student().interClass(), s.history().size(), secs / 60, secs % 60));
    }

    /** Writes report.md; returns the table. */
    static String write(Path out, String summary, Experiment.Stage teacher, List<Experiment.Stage> students,
                        boolean retrievalFirst) throws IOException {
        String table = table(teacher, students, retrievalFirst);
        StringBuilder md = new StringBuilder("# Distillation report\n\n");
        md.append(summary).append("\n\n");
        int queries = teacher.last().studentRetrieval().queries();
        md.append("Top-1 and top-5 are on the test images after the last epoch. The other columns use the pooled ")
                .append("embeddings of up to 500 test images. Retrieval, as in the paper's re-identification and face ")
                .append("experiments: each image queries all the others by cosine similarity, and an image of its class ")
                .append("is a true match (").append(queries).append(" queries; one whose class has no other image is left ")
                .append("out). Rank-k (CMC) is the share of queries with a true match among the first k results; mAP is ")
                .append("the mean over queries of the average precision at each true match. Intra- and inter-class cos ")
                .append("are the mean cosine similarity of same-class and different-class pairs: correlation ")
                .append("congruence aims for the teacher's structure.\n\n");
        md.append(table).append('\n');
        md.append("![test accuracy per epoch](accuracy.svg)\n\n");
        if (Files.exists(out.resolve("losses.svg"))) {
            md.append("![loss terms per epoch](losses.svg)\n\n");
        }
        md.append("![correlation matrices of teacher and students on one class-sorted batch](correlation.svg)\n\n");
        md.append("Per-epoch metrics: `teacher/metrics.csv` and `students/<method>/metrics.csv` (also `.jsonl`); ")
                .append("models: `model.safetensors` in the same folders (PyTorch parameter names); settings: `config.json`.\n");
        Files.writeString(out.resolve("report.md"), md, StandardCharsets.UTF_8);
        return table;
    }
}
