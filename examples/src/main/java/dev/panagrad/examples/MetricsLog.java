package dev.panagrad.examples;

import dev.panagrad.cckd.train.EmbeddingStructure;
import dev.panagrad.cckd.train.EpochMetrics;
import dev.panagrad.cckd.train.Retrieval;
import dev.panagrad.engine.io.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Per-epoch metrics of one training stage as {@code metrics.csv} and {@code metrics.jsonl} (one JSON
 * object per line), appended after every epoch; and the conversion of metrics to and from JSON, which
 * checkpoints carry so that a resumed run can rewrite both files from its last complete epoch.
 */
final class MetricsLog {
    /** Loss terms in column order; a stage fills those its method has. */
    static final List<String> TERMS = List.of("ce", "kd", "cc", "at", "kl", "ce_peer", "kl_peer", "adv_d", "adv_g", "l2", "total");
    private static final List<String> COLUMNS;

    static {
        List<String> c = new ArrayList<>(List.of("epoch", "lr"));
        c.addAll(TERMS);
        c.addAll(List.of("train_top1", "test_top1", "test_top5", "images_per_s", "seconds", "student_intra",
                "student_inter", "teacher_intra", "teacher_inter", "retrieval_queries", "student_rank1", "student_rank5",
                "student_rank10", "student_map", "teacher_rank1", "teacher_rank5", "teacher_rank10", "teacher_map"));
        COLUMNS = List.copyOf(c);
    }

    private MetricsLog() {
    }

    static Map<String, Object> toMap(EpochMetrics m) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("epoch", (long) m.epoch() + 1);
        r.put("lr", m.lr());
        for (String t : TERMS) {
            if (m.losses().containsKey(t)) {
                r.put(t, m.losses().get(t));
            }
        }
        r.put("train_top1", m.trainTop1());
        r.put("test_top1", m.testTop1());
        r.put("test_top5", m.testTop5());
        r.put("images_per_s", m.imagesPerSecond());
        r.put("seconds", m.seconds());
        r.put("student_intra", m.student().intraClass());
        r.put("student_inter", m.student().interClass());
        if (m.teacher() != null) {
            r.put("teacher_intra", m.teacher().intraClass());
            r.put("teacher_inter", m.teacher().interClass());
        }
        if (m.studentRetrieval().queries() > 0) {
            r.put("retrieval_queries", (long) m.studentRetrieval().queries());
            putRetrieval(r, "student", m.studentRetrieval());
            if (m.teacherRetrieval() != null) {
                putRetrieval(r, "teacher", m.teacherRetrieval());
            }
        }
        return r;
    }

    static EpochMetrics fromMap(Map<?, ?> r) {
        Map<String, Double> losses = new LinkedHashMap<>();
        for (String t : TERMS) {
            if (r.containsKey(t)) {
                losses.put(t, num(r, t));
            }
        }
        EmbeddingStructure teacher = r.containsKey("teacher_intra")
                ? new EmbeddingStructure(num(r, "teacher_intra"), num(r, "teacher_inter")) : null;
        int queries = r.containsKey("retrieval_queries") ? (int) num(r, "retrieval_queries") : 0;
        Retrieval studentRetrieval = queries > 0 ? retrieval(r, "student", queries) : Retrieval.none();
        Retrieval teacherRetrieval = queries > 0 && r.containsKey("teacher_map") ? retrieval(r, "teacher", queries)
                : teacher != null ? Retrieval.none() : null;
        return new EpochMetrics((int) num(r, "epoch") - 1, num(r, "lr"), losses, num(r, "train_top1"), num(r, "test_top1"),
                num(r, "test_top5"), num(r, "images_per_s"), num(r, "seconds"),
                new EmbeddingStructure(num(r, "student_intra"), num(r, "student_inter")), teacher, studentRetrieval,
                teacherRetrieval);
    }

    private static void putRetrieval(Map<String, Object> r, String who, Retrieval x) {
        r.put(who + "_rank1", x.rank1());
        r.put(who + "_rank5", x.rank5());
        r.put(who + "_rank10", x.rank10());
        r.put(who + "_map", x.meanAveragePrecision());
    }

    private static Retrieval retrieval(Map<?, ?> r, String who, int queries) {
        return new Retrieval(num(r, who + "_rank1"), num(r, who + "_rank5"), num(r, who + "_rank10"), num(r, who + "_map"),
                queries);
    }

    private static double num(Map<?, ?> r, String key) {
        Object v = r.get(key);
        return v == null ? Double.NaN : ((Number) v).doubleValue();
    }

    static String historyJson(List<EpochMetrics> history) {
        List<Object> rows = new ArrayList<>();
        for (EpochMetrics m : history) {
            rows.add(toMap(m));
        }
        return Json.write(rows);
    }

    static List<EpochMetrics> parseHistory(String json) {
        List<EpochMetrics> out = new ArrayList<>();
        for (Object o : (List<?>) Json.parse(json)) {
            out.add(fromMap((Map<?, ?>) o));
        }
        return out;
    }

    /** Rewrites both files with {@code history} (used when a run starts or resumes). */
    static void rewrite(Path dir, List<EpochMetrics> history) throws IOException {
        StringBuilder csv = new StringBuilder(String.join(",", COLUMNS)).append('\n');
        StringBuilder jsonl = new StringBuilder();
        for (EpochMetrics m : history) {
            csv.append(csvRow(m)).append('\n');
            jsonl.append(Json.write(toMap(m))).append('\n');
        }
        Files.writeString(dir.resolve("metrics.csv"), csv, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("metrics.jsonl"), jsonl, StandardCharsets.UTF_8);
    }

    /** Appends one epoch to both files. */
    static void append(Path dir, EpochMetrics m) throws IOException {
        Files.writeString(dir.resolve("metrics.csv"), csvRow(m) + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Files.writeString(dir.resolve("metrics.jsonl"), Json.write(toMap(m)) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
    }

    private static String csvRow(EpochMetrics m) {
        Map<String, Object> r = toMap(m);
        List<String> cells = new ArrayList<>();
        for (String c : COLUMNS) {
            Object v = r.get(c);
            cells.add(v == null ? "" : v instanceof Double d ? String.format(Locale.ROOT, "%.6g", d) : v.toString());
        }
        return String.join(",", cells);
    }
}
