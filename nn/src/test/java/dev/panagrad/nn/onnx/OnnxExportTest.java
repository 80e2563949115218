package dev.panagrad.nn.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.layers.BatchNorm;
import dev.panagrad.nn.models.ResNet;
import dev.panagrad.nn.models.ResNets;
import dev.panagrad.nn.onnx.proto.Onnx.ModelProto;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Exported models run in ONNX Runtime and agree with Panagrad's own forward pass in evaluation mode:
 * logits and embedding within 1e-4 of the largest magnitude (float rounding in two summation orders
 * over at most 4608 terms stays near 1e-6 of it).
 */
class OnnxExportTest {

    @ParameterizedTest
    @CsvSource({"resnet8, 32", "resnet20, 32", "resnet18, 64"})
    void onnxRuntimeAgreesWithPanagrad(String name, int size) throws OrtException {
        ResNet model = trainedLooking(name);
        Tensor images = Tensor.randn(new Rng(7), 3, 3, size, size);
        ResNet.Output expected;
        try (var ignored = Grad.disabled()) {
            expected = model.forwardAll(images);
        }
        byte[] onnx = OnnxExport.toBytes(model, true);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(onnx, new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(images.toArray()), new long[] {3, 3, size, size});
             OrtSession.Result result = session.run(Map.of("images", input))) {
            float[][] logits = (float[][]) result.get("logits").orElseThrow().getValue();
            float[][] embedding = (float[][]) result.get("embedding").orElseThrow().getValue();
            assertThat(logits[0]).hasSize(10);
            assertThat(maxRelativeError(flatten(logits), expected.logits().toArray())).as("logits").isLessThan(1e-4);
            assertThat(maxRelativeError(flatten(embedding), expected.embedding().toArray())).as("embedding").isLessThan(1e-4);
        }
    }

    @Test
    void theModelNamesItsInputsOutputsAndOperatorSet() throws Exception {
        ModelProto model = ModelProto.parseFrom(OnnxExport.toBytes(trainedLooking("resnet8"), false));
        assertThat(model.getIrVersion()).isEqualTo(7);
        assertThat(model.getOpsetImport(0).getVersion()).isEqualTo(13);
        assertThat(model.getProducerName()).isEqualTo("panagrad");
        assertThat(model.getGraph().getInputList()).extracting(v -> v.getName()).containsExactly("images");
        assertThat(model.getGraph().getOutputList()).extracting(v -> v.getName()).containsExactly("logits");
        assertThat(model.getGraph().getInput(0).getType().getTensorType().getShape().getDimList())
                .extracting(d -> d.hasDimValue() ? String.valueOf(d.getDimValue()) : d.getDimParam())
                .containsExactly("batch", "3", "height", "width");
        assertThat(model.getGraph().getInitializerList()).extracting(t -> t.getName())
                .contains("conv1.weight", "bn1.running_var", "layer3.0.downsample.0.weight", "fc.bias");
        assertThat(model.getGraph().getNodeList()).extracting(n -> n.getOpType())
                .contains("Conv", "BatchNormalization", "Relu", "Add", "GlobalAveragePool", "Flatten", "Gemm");
    }

    @Test
    void writeReplacesTheFileWhole(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("student.onnx");
        Files.writeString(file, "old");
        ResNet model = trainedLooking("resnet8");
        OnnxExport.write(model, false, file);
        assertThat(Files.readAllBytes(file)).isEqualTo(OnnxExport.toBytes(model, false));
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    /** A model of the zoo with 10 classes whose batch norms hold statistics and affine values far from 0 and 1. */
    private static ResNet trainedLooking(String name) {
        Rng rng = new Rng(11);
        ResNet model = ResNets.create(name, 10, rng);
        try (var ignored = Grad.disabled()) {
            randomiseBatchNorms(model, rng);
        }
        model.eval();
        return model;
    }

    private static void randomiseBatchNorms(dev.panagrad.nn.Module module, Rng rng) {
        for (var m : module.children().values()) {
            randomiseBatchNorms(m, rng);
            if (m instanceof BatchNorm bn) {
                int n = bn.runningMean().numel();
                bn.runningMean().copyFrom(Tensor.randn(rng, n).mul(0.3f));
                bn.runningVar().copyFrom(Tensor.rand(rng, n).add(0.5f));
                bn.weight().copyFrom(Tensor.rand(rng, n).add(0.5f));
                bn.bias().copyFrom(Tensor.randn(rng, n).mul(0.2f));
            }
        }
    }

    private static float[] flatten(float[][] rows) {
        float[] out = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * rows[0].length, rows[0].length);
        }
        return out;
    }

    /** max |a - e| over max |e|. */
    private static double maxRelativeError(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        double worst = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return worst / scale;
    }
}
