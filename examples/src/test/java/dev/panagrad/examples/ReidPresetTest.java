package dev.panagrad.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.panagrad.engine.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --preset reid} end to end on a small folder of generated PNGs: ResNet-50 teacher, ResNet-18
 * students with 256-d heads at 256 x 128, one epoch of one batch of 40, SUR for CCKD.
 */
class ReidPresetTest {
    @TempDir
    Path tmp;

    /** 4 identities of 15 noisy 40 x 20 images each, one colour stripe per identity: 48 to train, 12 to test. */
    private Path writeFolder() throws IOException {
        int[] colours = {0xC02020, 0x20C020, 0x2020C0, 0xC0C020};
        return ClassFolders.write(tmp.resolve("people"), "id", colours.length, 15, 20, 40, 48, 9,
                (c, x, y) -> y / 10 == c ? colours[c] : 0x404040);
    }

    @Test
    void theReidPresetRunsEndToEndAndLeadsItsReportWithRetrieval() throws IOException {
        Path out = tmp.resolve("run");
        String[] r = CliTest.run("compare", "--preset", "reid", "--methods", "ce,cckd", "--dataset", "folder", "--data",
                writeFolder().toString(), "--epochs", "1", "--train-size", "40", "--test-fraction", "0.2", "--out",
                out.toString());

        assertThat(r[0]).as(r[2]).isEqualTo("0");
        Map<String, Object> config = Json.parseObject(Files.readString(out.resolve("config.json")));
        assertThat(config).containsEntry("preset", "reid").containsEntry("teacher", "resnet50")
                .containsEntry("student", "resnet18").containsEntry("embedding_head", "d256").containsEntry("sampler", "sur");
        assertThat(((Number) config.get("batch_size")).intValue()).isEqualTo(40);
        assertThat(config.get("lr_schedule")).isEqualTo("multistep x0.1 at [45, 60]");
        String report = Files.readString(out.resolve("report.md"));
        assertThat(report).contains("| model | method | rank-1 | rank-5 | rank-10 | mAP | top-1 | top-5 |",
                "| teacher resnet50 | ce |", "| student resnet18 | cckd |");
        assertThat(config).containsEntry("image", "3x256x128");
        // the CC term on the 256-d heads is part of the CCKD student's loss
        java.util.List<String> csv = Files.readAllLines(out.resolve("students/cckd/metrics.csv"));
        int cc = java.util.Arrays.asList(csv.get(0).split(",")).indexOf("cc");
        assertThat(Double.parseDouble(csv.get(1).split(",")[cc])).isPositive();
    }

    @Test
    void aTrainingSetSmallerThanOneBatchIsRefused() throws IOException {
        String[] r = CliTest.run("compare", "--preset", "reid", "--dataset", "folder", "--data", writeFolder().toString(),
                "--train-size", "39", "--out", tmp.resolve("run").toString());
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("the training set has 39 images, fewer than one batch of 40");
    }

    @Test
    void theReidPresetAsksForYourOwnImages() {
        String[] r = CliTest.run("compare", "--preset", "reid", "--dataset", "generated");
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("--preset reid trains on your own images: give --dataset folder --data DIR");
    }
}
