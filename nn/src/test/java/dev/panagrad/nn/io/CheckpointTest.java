package dev.panagrad.nn.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.panagrad.engine.Grad;
import dev.panagrad.engine.IntTensor;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.DType;
import dev.panagrad.nn.StateDict;
import dev.panagrad.nn.loss.Losses;
import dev.panagrad.nn.models.ResNet;
import dev.panagrad.nn.models.ResNets;
import dev.panagrad.nn.optim.Sgd;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    @TempDir
    Path dir;

    private static Tensor eval(ResNet net, Tensor x) {
        net.eval();
        try (var ignored = Grad.disabled()) {
            return net.forward(x);
        }
    }

    @Test
    void savedAndLoadedModelsGiveIdenticalOutputs() throws IOException {
        Rng rng = new Rng(1);
        ResNet a = ResNets.create("resnet8", 10, rng);
        a.forward(Tensor.randn(rng, 4, 3, 32, 32)); // moves the running statistics away from their defaults
        Path file = dir.resolve("model.safetensors");
        Checkpoint.saveModel(file, a);
        ResNet b = ResNets.create("resnet8", 10, new Rng(2));
        Checkpoint.loadModel(file, b);
        Tensor x = Tensor.randn(rng, 2, 3, 32, 32);
        assertThat(eval(b, x).toArray()).containsExactly(eval(a, x).toArray());
        assertThat(b.stateDict().get("bn1.num_batches_tracked").item()).isEqualTo(1f);
    }

    @Test
    void writesLeaveNoTemporaryFiles() throws IOException {
        Path file = dir.resolve("m.safetensors");
        ResNet net = ResNets.create("resnet8", 10, new Rng(1));
        Checkpoint.saveModel(file, net);
        Checkpoint.saveModel(file, net); // replacing an existing file
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("m.safetensors");
        }
    }

    @Test
    void aTrainingCheckpointResumesExactly() throws IOException {
        Rng rng = new Rng(3);
        Tensor x = Tensor.randn(rng, 8, 3, 32, 32);
        IntTensor y = IntTensor.of(new int[] {0, 1, 2, 3, 4, 5, 6, 7});
        ResNet a = ResNets.create("resnet8", 10, new Rng(4));
        Sgd optA = new Sgd(a.parameters(), 0.1, 0.9, 0, 5e-4, false);
        step(a, optA, x, y);
        Path file = dir.resolve("train.safetensors");
        Checkpoint.saveTraining(file, a, optA, Map.of("epoch", "1"));

        ResNet b = ResNets.create("resnet8", 10, new Rng(5));
        Sgd optB = new Sgd(b.parameters(), 0.1, 0.9, 0, 5e-4, false);
        Map<String, String> meta = Checkpoint.loadTraining(file, b, optB);
        assertThat(meta).containsEntry("epoch", "1");
        step(a, optA, x, y);
        step(b, optB, x, y);
        assertThat(b.parameters().get(0).toArray()).containsExactly(a.parameters().get(0).toArray());
    }

    private static void step(ResNet net, Sgd opt, Tensor x, IntTensor y) {
        net.train();
        opt.zeroGrad();
        Losses.crossEntropy(net.forward(x), y).backward();
        opt.step();
    }

    @Test
    void aCorruptedByteIsDetected() throws IOException {
        Path file = smallFile();
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 3] ^= 0x40;
        Files.write(file, bytes);
        assertThatThrownBy(() -> SafeTensors.read(file))
                .isInstanceOf(CheckpointFormatException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("the file is corrupt");
    }

    @Test
    void aTruncatedFileIsDetected() throws IOException {
        Path file = smallFile();
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 10));
        assertThatThrownBy(() -> SafeTensors.read(file))
                .isInstanceOf(CheckpointFormatException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void aFileShorterThanTheHeaderLengthIsDetected() throws IOException {
        Path file = dir.resolve("tiny.safetensors");
        Files.write(file, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> SafeTensors.read(file))
                .hasMessage("checkpoint " + file + ": file of 3 bytes is too short for the 8-byte header length (at byte offset 0)");
    }

    @Test
    void anAbsurdHeaderLengthIsRejectedWithoutAllocating() throws IOException {
        Path file = dir.resolve("forged.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE).putLong(0);
        Files.write(file, b.array());
        assertThatThrownBy(() -> SafeTensors.read(file))
                .hasMessageContaining("header length 9223372036854775807 does not fit a file of 16 bytes");
    }

    @Test
    void invalidHeaderJsonIsNamed() throws IOException {
        Path file = dir.resolve("json.safetensors");
        byte[] json = "{\"a\": [1, 2".getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json);
        Files.write(file, b.array());
        assertThatThrownBy(() -> SafeTensors.read(file)).hasMessageContaining("header is not valid JSON");
    }

    @Test
    void unsupportedDtypesAreNamed() throws IOException {
        Path file = dir.resolve("f16.safetensors");
        byte[] json = "{\"w\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}}".getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + 2).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json);
        Files.write(file, b.array());
        assertThatThrownBy(() -> SafeTensors.read(file)).hasMessageContaining("entry 'w' has dtype F16; supported: F32, I64");
    }

    @Test
    void aCheckpointOfAnotherModelListsTheMismatches() throws IOException {
        Path file = dir.resolve("r8.safetensors");
        Checkpoint.saveModel(file, ResNets.create("resnet8", 10, new Rng(1)));
        assertThatThrownBy(() -> Checkpoint.loadModel(file, ResNets.create("resnet14", 10, new Rng(1))))
                .isInstanceOf(CheckpointFormatException.class)
                .hasMessageContaining("does not match the model")
                .hasMessageContaining("Missing key(s): layer1.1.conv1.weight");
    }

    @Test
    void valuesAndTypesRoundTrip() throws IOException {
        StateDict s = new StateDict().put("a", Tensor.of(new float[] {1.5f, -2f, Float.MAX_VALUE}, 3, 1))
                .put("count", Tensor.scalar(12345f), DType.I64);
        Path file = dir.resolve("rt.safetensors");
        SafeTensors.write(file, s, Map.of("note", "x"));
        SafeTensors.Contents c = SafeTensors.read(file);
        assertThat(c.tensors().get("a").toArray()).containsExactly(1.5f, -2f, Float.MAX_VALUE);
        assertThat(c.tensors().get("a").dims()).containsExactly(3, 1);
        assertThat(c.tensors().entry("count").dtype()).isEqualTo(DType.I64);
        assertThat(c.tensors().get("count").item()).isEqualTo(12345f);
        assertThat(c.metadata()).containsEntry("note", "x").containsKey(SafeTensors.CRC_KEY);
        // The header is padded to 8 bytes, as the reference implementation writes it.
        long headerLength = ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(headerLength % 8).isZero();
    }

    private Path smallFile() throws IOException {
        Path file = dir.resolve("small.safetensors");
        SafeTensors.write(file, new StateDict().put("w", Tensor.arange(10)), Map.of());
        return file;
    }
}
