package dev.panagrad.nn.models;

import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.Module;
import dev.panagrad.nn.layers.BatchNorm2d;
import dev.panagrad.nn.layers.Conv2d;
import dev.panagrad.nn.layers.ReLU;
import dev.panagrad.nn.layers.Sequential;

/**
 * The two-convolution residual block of ResNet-18/34 and the CIFAR ResNets:
 * {@code relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))}, where the shortcut is the identity or,
 * when the stride or width changes, {@code downsample} = 1 x 1 convolution + batch norm.
 */
public final class BasicBlock extends Module {
    /** Output channels per {@code planes}. */
    public static final int EXPANSION = 1;

    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final Conv2d conv2;
    private final BatchNorm2d bn2;
    private final Sequential downsample;

    public BasicBlock(int inPlanes, int planes, int stride, Rng rng) {
        conv1 = registerModule("conv1", ResNet.conv(inPlanes, planes, 3, stride, 1, rng));
        bn1 = registerModule("bn1", new BatchNorm2d(planes));
        // In the module tree as in torchvision; forward fuses it into batch norm and the residual add.
        registerModule("relu", new ReLU(true));
        conv2 = registerModule("conv2", ResNet.conv(planes, planes, 3, 1, 1, rng));
        bn2 = registerModule("bn2", new BatchNorm2d(planes));
        downsample = stride != 1 || inPlanes != planes * EXPANSION
                ? registerModule("downsample", new Sequential(ResNet.conv(inPlanes, planes * EXPANSION, 1, stride, 0, rng),
                        new BatchNorm2d(planes * EXPANSION)))
                : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor out = bn1.forwardRelu(conv1.forward(x));
        out = bn2.forwardInPlace(conv2.forward(out));
        Tensor shortcut = downsample == null ? x : downsample.forward(x);
        return out.addReluInPlace(shortcut); // as torchvision: relu(out += identity), fused
    }
}
