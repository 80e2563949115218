package dev.panagrad.nn.onnx;

import static dev.panagrad.nn.onnx.OnnxGraph.integer;
import static dev.panagrad.nn.onnx.OnnxGraph.ints;
import static dev.panagrad.nn.onnx.OnnxGraph.real;

import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.Module;
import dev.panagrad.nn.io.AtomicFile;
import dev.panagrad.nn.layers.AdaptiveAvgPool2d;
import dev.panagrad.nn.layers.BatchNorm;
import dev.panagrad.nn.layers.Conv2d;
import dev.panagrad.nn.layers.Linear;
import dev.panagrad.nn.layers.MaxPool2d;
import dev.panagrad.nn.models.BasicBlock;
import dev.panagrad.nn.models.Bottleneck;
import dev.panagrad.nn.models.ResNet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Writes a ResNet of the zoo as an ONNX model (operator set 13) for inference: what {@link ResNet#forward}
 * computes in evaluation mode, with batch norm as {@code BatchNormalization} over the running statistics.
 *
 * <p>The graph has one input, {@code images} [batch, channels, height, width] (batch, height and width
 * symbolic), and the output {@code logits} [batch, classes]; with {@code withEmbedding}, also
 * {@code embedding} [batch, width of the pooled features], the input of {@code fc}. Initializers and
 * nodes carry the modules' names ({@code layer1.0.conv1.weight}, node {@code layer1.0.conv1}), as the
 * state dict does. Per block, the dataflow of {@link BasicBlock} and {@link Bottleneck}:
 * <pre>
 * out = relu(bn1(conv1(x)));  [bottleneck: out = relu(bn2(conv2(out)));]  out = bnL(convL(out))
 * y = relu(out + (downsample ? bn(conv(x)) : x))
 * </pre>
 */
public final class OnnxExport {
    private OnnxExport() {
    }

    /** The ONNX model's bytes. */
    public static byte[] toBytes(ResNet model, boolean withEmbedding) {
        OnnxGraph g = new OnnxGraph(model.name());
        Map<String, Module> top = model.children();
        Conv2d stem = (Conv2d) top.get("conv1");
        g.input("images", "batch", stem.weight().dims()[1] * stem.groups(), "height", "width");
        String x = conv(g, "conv1", stem, "images");
        x = batchNorm(g, "bn1", (BatchNorm) top.get("bn1"), x);
        x = relu(g, "relu", x);
        if (top.get("maxpool") instanceof MaxPool2d pool) {
            x = g.node("MaxPool", "maxpool", "maxpool", new String[] {x},
                    ints("kernel_shape", pool.kernelSize(), pool.kernelSize()),
                    ints("pads", pool.padding(), pool.padding(), pool.padding(), pool.padding()),
                    ints("strides", pool.stride(), pool.stride()));
        }
        for (int s = 1; top.containsKey("layer" + s); s++) {
            for (Map.Entry<String, Module> block : top.get("layer" + s).children().entrySet()) {
                x = block(g, "layer" + s + "." + block.getKey(), block.getValue(), x);
            }
        }
        int[] pooled = ((AdaptiveAvgPool2d) top.get("avgpool")).outputSize();
        if (pooled[0] != 1 || pooled[1] != 1) {
            throw new IllegalArgumentException("onnx export: avgpool of " + model.name() + " pools to "
                    + Arrays.toString(pooled) + "; export handles global pooling (1 x 1) only");
        }
        x = g.node("GlobalAveragePool", "avgpool", "avgpool", new String[] {x});
        String embedding = g.node("Flatten", "flatten", "embedding", new String[] {x}, integer("axis", 1));
        Linear fc = model.fc();
        String[] gemmInputs = fc.bias() == null
                ? new String[] {embedding, g.initializer("fc.weight", fc.weight())}
                : new String[] {embedding, g.initializer("fc.weight", fc.weight()), g.initializer("fc.bias", fc.bias())};
        g.node("Gemm", "fc", "logits", gemmInputs, integer("transB", 1));
        g.output("logits", "batch", fc.weight().dims()[0]);
        if (withEmbedding) {
            g.output("embedding", "batch", model.embeddingSize());
        }
        return g.model("0.1.0", model.name() + " exported by Panagrad; input images [batch, channels, height, width]"
                + ", float32, normalised as in training; output logits" + (withEmbedding ? " and embedding" : ""))
                .toByteArray();
    }

    /** Writes the model to {@code file} (replacing it); a failed write leaves no partial file behind. */
    public static void write(ResNet model, boolean withEmbedding, Path file) throws IOException {
        AtomicFile.write(file, toBytes(model, withEmbedding));
    }

    private static String block(OnnxGraph g, String path, Module block, String x) {
        Map<String, Module> c = block.children();
        String out;
        if (block instanceof BasicBlock) {
            out = relu(g, path + ".relu1", batchNorm(g, path + ".bn1", (BatchNorm) c.get("bn1"),
                    conv(g, path + ".conv1", (Conv2d) c.get("conv1"), x)));
            out = batchNorm(g, path + ".bn2", (BatchNorm) c.get("bn2"), conv(g, path + ".conv2", (Conv2d) c.get("conv2"), out));
        } else if (block instanceof Bottleneck) {
            out = relu(g, path + ".relu1", batchNorm(g, path + ".bn1", (BatchNorm) c.get("bn1"),
                    conv(g, path + ".conv1", (Conv2d) c.get("conv1"), x)));
            out = relu(g, path + ".relu2", batchNorm(g, path + ".bn2", (BatchNorm) c.get("bn2"),
                    conv(g, path + ".conv2", (Conv2d) c.get("conv2"), out)));
            out = batchNorm(g, path + ".bn3", (BatchNorm) c.get("bn3"), conv(g, path + ".conv3", (Conv2d) c.get("conv3"), out));
        } else {
            throw new IllegalArgumentException("onnx export: " + path + " is a " + block.getClass().getSimpleName()
                    + "; export handles BasicBlock and Bottleneck");
        }
        String shortcut = x;
        if (c.get("downsample") instanceof Module down) {
            Map<String, Module> d = down.children();
            shortcut = batchNorm(g, path + ".downsample.1", (BatchNorm) d.get("1"),
                    conv(g, path + ".downsample.0", (Conv2d) d.get("0"), x));
        }
        String sum = g.node("Add", path + ".add", path + ".add", new String[] {out, shortcut});
        return relu(g, path + ".relu", sum);
    }

    private static String conv(OnnxGraph g, String path, Conv2d conv, String x) {
        int k = conv.kernelSize();
        int p = conv.padding();
        String w = g.initializer(path + ".weight", conv.weight());
        String[] inputs = conv.bias() == null ? new String[] {x, w} : new String[] {x, w, g.initializer(path + ".bias", conv.bias())};
        return g.node("Conv", path, path, inputs,
                ints("dilations", conv.dilation(), conv.dilation()), integer("group", conv.groups()),
                ints("kernel_shape", k, k), ints("pads", p, p, p, p), ints("strides", conv.stride(), conv.stride()));
    }

    private static String batchNorm(OnnxGraph g, String path, BatchNorm bn, String x) {
        int features = bn.runningMean().numel();
        Tensor scale = bn.weight() != null ? bn.weight() : Tensor.ones(features);
        Tensor shift = bn.bias() != null ? bn.bias() : Tensor.zeros(features);
        return g.node("BatchNormalization", path, path, new String[] {x, g.initializer(path + ".weight", scale),
                g.initializer(path + ".bias", shift), g.initializer(path + ".running_mean", bn.runningMean()),
                g.initializer(path + ".running_var", bn.runningVar())}, real("epsilon", bn.eps()));
    }

    private static String relu(OnnxGraph g, String name, String x) {
        return g.node("Relu", name, name, new String[] {x});
    }
}
