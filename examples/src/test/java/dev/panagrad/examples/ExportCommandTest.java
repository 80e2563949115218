package dev.panagrad.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.panagrad.engine.Rng;
import dev.panagrad.nn.io.Checkpoint;
import dev.panagrad.nn.models.ResNet;
import dev.panagrad.nn.models.ResNets;
import dev.panagrad.nn.onnx.OnnxExport;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportCommandTest {

    @Test
    void exportWritesTheSavedModelWithTheClassesAndChannelsOfItsCheckpoint(@TempDir Path dir) throws Exception {
        ResNet saved = ResNets.create("resnet8", 7, 1, new Rng(5));
        Path checkpoint = dir.resolve("student.safetensors");
        Checkpoint.saveModel(checkpoint, saved);
        Path onnx = dir.resolve("out/student.onnx");

        String[] r = CliTest.run("export", "--model", "resnet8", "--checkpoint", checkpoint.toString(), "--out",
                onnx.toString(), "--embedding");

        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(Files.readAllBytes(onnx)).isEqualTo(OnnxExport.toBytes(saved, true));
    }

    @Test
    void aCheckpointOfAnotherModelIsRefusedWithItsFileNamed(@TempDir Path dir) throws Exception {
        Path checkpoint = dir.resolve("teacher.safetensors");
        Checkpoint.saveModel(checkpoint, ResNets.create("resnet20", 10, new Rng(5)));
        Path onnx = dir.resolve("student.onnx");

        String[] r = CliTest.run("export", "--model", "resnet8", "--checkpoint", checkpoint.toString(), "--out", onnx.toString());

        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("teacher.safetensors").contains("does not match the model");
        assertThat(onnx).doesNotExist();
    }

    @Test
    void helpNamesTheOptions() {
        assertThat(CliTest.run("export", "--help")[1]).contains("--model", "--checkpoint", "--out", "--embedding");
    }
}
