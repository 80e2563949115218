package dev.panagrad.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.panagrad.cckd.train.Method;
import dev.panagrad.nn.data.GeneratedImages;
import dev.panagrad.engine.io.Json;
import dev.panagrad.nn.io.SafeTensors;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExperimentTest {
    @TempDir
    Path dir;

    private static DataChoice.Resolved data() {
        return new DataChoice.Resolved("generated", GeneratedImages.split(320, 96, 4, 2, 3, 16, 3), "generated data for a test");
    }

    private static ExperimentPlan plan(int epochs) {
        return new ExperimentPlan("test", "resnet8", "resnet8", epochs, epochs, 320, 96, 32, 0.05, new int[0], 5e-4, 4f,
                0.1f, 16f, "auto", 4, 2, dev.panagrad.cckd.train.EmbeddingHead.Kind.AUTO, 5);
    }

    private List<Experiment.Stage> runAll(Path out, boolean resume, int stopAfter) throws Exception {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        Experiment exp = new Experiment(plan(2), data(), out, resume, quiet, 0);
        exp.stopAfterEpochs(stopAfter);
        Experiment.Stage teacher = exp.teacher(null);
        List<Experiment.Stage> stages = new ArrayList<>();
        stages.add(teacher);
        for (Method m : List.of(Method.KD, Method.CCKD)) {
            stages.add(exp.student(m, teacher));
        }
        exp.report(teacher, stages.subList(1, stages.size()));
        return stages;
    }

    @Test
    void aRunWritesMetricsCheckpointsChartsAndTheReport() throws Exception {
        Path out = dir.resolve("run");
        runAll(out, false, 0);
        for (String f : List.of("config.json", "report.md", "accuracy.svg", "losses.svg", "correlation.svg")) {
            assertThat(out.resolve(f)).as(f).isRegularFile();
        }
        for (String svg : List.of("accuracy.svg", "losses.svg", "correlation.svg")) {
            assertThat(ChartsTest.parse(Files.readString(out.resolve(svg))).getDocumentElement().getTagName())
                    .as(svg).isEqualTo("svg");
        }
        // the teacher's own curve, over its two epochs
        assertThat(Files.readString(out.resolve("accuracy.svg"))).contains(">teacher resnet8</text>");
        for (Path stage : List.of(out.resolve("teacher"), out.resolve("students/kd"), out.resolve("students/cckd"))) {
            assertThat(Files.readAllLines(stage.resolve("metrics.csv"))).hasSize(3).first().asString().startsWith("epoch,lr,");
            assertThat(Files.readAllLines(stage.resolve("metrics.jsonl"))).hasSize(2);
            assertThat(stage.resolve("model.safetensors")).isRegularFile();
            assertThat(SafeTensors.read(stage.resolve("checkpoint.safetensors")).metadata()).containsEntry("epochs_done", "2");
        }
        String report = Files.readString(out.resolve("report.md"));
        assertThat(report).contains("| teacher resnet8 | ce |", "| student resnet8 | kd |", "| student resnet8 | cckd |",
                "generated data for a test", "![test accuracy per epoch](accuracy.svg)");
        Map<String, Object> config = Json.parseObject(Files.readString(out.resolve("config.json")));
        assertThat(config).containsEntry("data", "generated").containsEntry("train_images", 320L);
    }

    @Test
    void aResumedRunEndsExactlyLikeAnUninterruptedOne() throws Exception {
        Path whole = dir.resolve("whole");
        List<Experiment.Stage> reference = runAll(whole, false, 0);

        Path broken = dir.resolve("broken");
        // Four epochs in all: the teacher's two, then the KD student's first; the run stops before its second.
        assertThatThrownBy(() -> runAll(broken, false, 3)).isInstanceOf(Experiment.InterruptedRun.class);
        assertThat(SafeTensors.read(broken.resolve("students/kd/checkpoint.safetensors")).metadata())
                .containsEntry("epochs_done", "1");
        List<Experiment.Stage> resumed = runAll(broken, true, 0);

        for (int s = 0; s < reference.size(); s++) {
            float[] a = reference.get(s).network().parameters().get(0).toArray();
            float[] b = resumed.get(s).network().parameters().get(0).toArray();
            assertThat(b).as(reference.get(s).name()).containsExactly(a);
            assertThat(resumed.get(s).last().testTop1()).isEqualTo(reference.get(s).last().testTop1());
            assertThat(resumed.get(s).last().losses()).isEqualTo(reference.get(s).last().losses());
        }
        assertThat(Files.readAllLines(broken.resolve("students/kd/metrics.csv"))).hasSize(3);
    }
}
