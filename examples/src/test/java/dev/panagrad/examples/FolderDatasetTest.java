package dev.panagrad.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.panagrad.engine.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code panagrad --dataset folder} end to end, on class folders of PNG files that the test writes. */
class FolderDatasetTest {
    @TempDir
    Path tmp;

    /** 3 classes of 30 noisy 12 x 12 images, each class a colour: 24 for training and 6 for testing each. */
    private Path writeFolder() throws IOException {
        int[] colours = {0xC02020, 0x20C020, 0x2020C0};
        return ClassFolders.write(tmp.resolve("images"), "class", colours.length, 30, 12, 12, 32, 5, (c, x, y) -> colours[c]);
    }

    private String[] compare(Path data, Path out, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("compare", "--methods", "ce", "--dataset", "folder", "--data",
                data.toString(), "--image-size", "8", "--epochs", "1", "--teacher", "resnet8", "--student", "resnet8",
                "--threads", "1", "--out", out.toString()));
        args.addAll(List.of(extra));
        return CliTest.run(args.toArray(String[]::new));
    }

    @Test
    void reportsAccuracyAndRetrievalOnYourOwnImages() throws IOException {
        Path out = tmp.resolve("run");
        String[] r = compare(writeFolder(), out);

        assertThat(r[0]).as(r[2]).isEqualTo("0");
        String report = Files.readString(out.resolve("report.md"));
        assertThat(report).contains("| rank-1 | rank-5 | rank-10 | mAP |", "images from ", "72 training and 18 test images");
        // 18 test images, 6 a class: every query has 5 true matches, so every query counts
        assertThat(report).contains("(18 queries;");
        Map<String, Object> config = Json.parseObject(Files.readString(out.resolve("config.json")));
        assertThat((List<?>) config.get("channel_mean")).hasSize(3);
        // red: 192 + noise in one class of three, 32 + noise in the others; noise averages 15.5
        double red = ((Number) ((List<?>) config.get("channel_mean")).get(0)).doubleValue();
        assertThat(red).isCloseTo((207.5 + 2 * 47.5) / 3 / 255, org.assertj.core.data.Offset.offset(0.02));
        String csv = Files.readString(out.resolve("teacher/metrics.csv"));
        assertThat(csv.lines().findFirst().orElseThrow()).contains("student_rank1", "student_map");
    }

    @Test
    void aCorruptImageIsNamedAndCanBeSkipped() throws IOException {
        Path data = writeFolder();
        Path bad = data.resolve("class1/broken.png");
        Files.writeString(bad, "not a PNG");

        String[] failed = compare(data, tmp.resolve("failed"));
        assertThat(failed[0]).isEqualTo("1");
        assertThat(failed[2]).contains(bad.toString(), "--skip-bad-images");

        Path out = tmp.resolve("skipped");
        String[] skipped = compare(data, out, "--skip-bad-images");
        assertThat(skipped[0]).as(skipped[2]).isEqualTo("0");
        assertThat(Files.readString(out.resolve("report.md"))).contains("1 unreadable file skipped");
        assertThat(Files.readString(out.resolve("config.json"))).contains("broken.png");
    }
}
