package dev.panagrad.nn.models;

import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.TensorScope;
import dev.panagrad.nn.Init;
import dev.panagrad.nn.Module;
import dev.panagrad.nn.layers.AdaptiveAvgPool2d;
import dev.panagrad.nn.layers.BatchNorm2d;
import dev.panagrad.nn.layers.Conv2d;
import dev.panagrad.nn.layers.Linear;
import dev.panagrad.nn.layers.MaxPool2d;
import dev.panagrad.nn.layers.ReLU;
import dev.panagrad.nn.layers.Sequential;
import java.util.ArrayList;
import java.util.List;

/**
 * A residual network: a stem ({@code conv1}, {@code bn1}, {@code relu}, and for ImageNet models a
 * {@code maxpool}), stages {@code layer1..layerK} of residual blocks, global average pooling
 * ({@code avgpool}) and a classifier ({@code fc}). Parameter names are those of torchvision's ResNets and
 * of the common CIFAR distillation benchmark, so checkpoints map one to one.
 *
 * <p>Build one with {@link ResNets}. {@link #forward} gives the logits; {@link #forwardAll} gives the
 * logits, the pooled embedding and every stage's feature map from one pass, as distillation needs.
 */
public final class ResNet extends Module {
    /** What one forward pass computes. */
    public record Output(Tensor logits, Tensor embedding, List<Tensor> stages) {
    }

    private final String name;
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final MaxPool2d maxpool;
    private final List<Sequential> stages = new ArrayList<>();
    private final AdaptiveAvgPool2d avgpool;
    private final Linear fc;
    private final int embeddingSize;

    /**
     * @param name        model name, for printing
     * @param bottleneck  Bottleneck blocks (else basic blocks)
     * @param blocks      blocks per stage
     * @param widths      stem width, then the {@code planes} of each stage
     * @param imagenetStem 7 x 7 stride-2 stem with max pooling (else 3 x 3 stride 1, for 32 x 32 images)
     */
    ResNet(String name, boolean bottleneck, int[] blocks, int[] widths, boolean imagenetStem, int inChannels,
           int numClasses, Rng rng) {
        this.name = name;
        int expansion = bottleneck ? Bottleneck.EXPANSION : BasicBlock.EXPANSION;
        conv1 = registerModule("conv1", imagenetStem ? conv(inChannels, widths[0], 7, 2, 3, rng)
                : conv(inChannels, widths[0], 3, 1, 1, rng));
        bn1 = registerModule("bn1", new BatchNorm2d(widths[0]));
        // In the module tree as in torchvision; forward fuses it into batch norm and the residual add.
        registerModule("relu", new ReLU(true));
        maxpool = imagenetStem ? registerModule("maxpool", new MaxPool2d(3, 2, 1)) : null;
        int inPlanes = widths[0];
        for (int s = 0; s < blocks.length; s++) {
            int planes = widths[s + 1];
            Module[] stage = new Module[blocks[s]];
            for (int b = 0; b < blocks[s]; b++) {
                int stride = b == 0 && s > 0 ? 2 : 1;
                stage[b] = bottleneck ? new Bottleneck(inPlanes, planes, stride, rng) : new BasicBlock(inPlanes, planes, stride, rng);
                inPlanes = planes * expansion;
            }
            stages.add(registerModule("layer" + (s + 1), new Sequential(stage)));
        }
        avgpool = registerModule("avgpool", new AdaptiveAvgPool2d(1, 1));
        embeddingSize = inPlanes;
        fc = registerModule("fc", new Linear(inPlanes, numClasses, rng));
    }

    /** A bias-free convolution initialised as torchvision's ResNets: Kaiming normal, fan-out, ReLU gain. */
    static Conv2d conv(int in, int out, int kernel, int stride, int padding, Rng rng) {
        Conv2d c = Conv2d.of(in, out, kernel).stride(stride).padding(padding).bias(false).build(rng);
        Init.kaimingNormalFanOut(c.weight(), rng);
        return c;
    }

    /** Logits [N, classes] of images [N, C, H, W]. */
    @Override
    public Tensor forward(Tensor x) {
        return forwardAll(x).logits();
    }

    /** Logits, embedding [N, {@link #embeddingSize()}] and the output of every stage, from one pass. */
    public Output forwardAll(Tensor x) {
        // Without a graph and inside a scope, an intermediate that is neither the input nor a stage's
        // output dies as soon as the next layer has read it: inference holds one block's worth at a time.
        boolean chain = !Grad.isEnabled() && TensorScope.isOpen();
        Tensor h = bn1.forwardRelu(conv1.forward(x));
        if (maxpool != null) {
            Tensor pooled = maxpool.forward(h);
            if (chain) {
                TensorScope.release(h);
            }
            h = pooled;
        }
        List<Tensor> features = new ArrayList<>(stages.size());
        for (Sequential stage : stages) {
            for (int b = 0; b < stage.size(); b++) {
                Tensor next = chain ? inOwnScope(stage.get(b), h) : stage.get(b).forward(h);
                if (chain && (features.isEmpty() || h != features.get(features.size() - 1))
                        && next.storage() != h.storage()) {
                    TensorScope.release(h);
                }
                h = next;
            }
            features.add(h);
        }
        Tensor embedding = avgpool.forward(h).flatten(1, -1);
        return new Output(fc.forward(embedding), embedding, List.copyOf(features));
    }

    /**
     * One residual block in a {@link TensorScope} of its own that keeps only its output: without a graph,
     * an inference pass then holds one block's intermediates at a time, not the whole network's, until the
     * caller's scope closes. (With a graph they are saved for backward and must live as long as it.)
     */
    private static Tensor inOwnScope(Module block, Tensor x) {
        try (TensorScope scope = TensorScope.open()) {
            return scope.keep(block.forward(x));
        }
    }

    /** Width of the pooled embedding: the input size of {@code fc}. */
    public int embeddingSize() {
        return embeddingSize;
    }

    /** The classifier. */
    public Linear fc() {
        return fc;
    }

    /** The model's name, such as {@code resnet20}. */
    public String name() {
        return name;
    }
}
