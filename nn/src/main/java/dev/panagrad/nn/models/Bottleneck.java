package dev.panagrad.nn.models;

import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.Module;
import dev.panagrad.nn.layers.BatchNorm2d;
import dev.panagrad.nn.layers.Conv2d;
import dev.panagrad.nn.layers.ReLU;
import dev.panagrad.nn.layers.Sequential;

/**
 * The 1 x 1 / 3 x 3 / 1 x 1 residual block of ResNet-50, as torchvision's (stride on the 3 x 3
 * convolution, "ResNet v1.5"): output channels are {@code 4 planes}.
 */
public final class Bottleneck extends Module {
    /** Output channels per {@code planes}. */
    public static final int EXPANSION = 4;

    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final Conv2d conv2;
    private final BatchNorm2d bn2;
    private final Conv2d conv3;
    private final BatchNorm2d bn3;
    private final Sequential downsample;

    public Bottleneck(int inPlanes, int planes, int stride, Rng rng) {
        conv1 = registerModule("conv1", ResNet.conv(inPlanes, planes, 1, 1, 0, rng));
        bn1 = registerModule("bn1", new BatchNorm2d(planes));
        conv2 = registerModule("conv2", ResNet.conv(planes, planes, 3, stride, 1, rng));
        bn2 = registerModule("bn2", new BatchNorm2d(planes));
        conv3 = registerModule("conv3", ResNet.conv(planes, planes * EXPANSION, 1, 1, 0, rng));
        bn3 = registerModule("bn3", new BatchNorm2d(planes * EXPANSION));
        // In the module tree as in torchvision; forward fuses it into batch norm and the residual add.
        registerModule("relu", new ReLU(true));
        downsample = stride != 1 || inPlanes != planes * EXPANSION
                ? registerModule("downsample", new Sequential(ResNet.conv(inPlanes, planes * EXPANSION, 1, stride, 0, rng),
                        new BatchNorm2d(planes * EXPANSION)))
                : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor out = bn1.forwardRelu(conv1.forward(x));
        out = bn2.forwardRelu(conv2.forward(out));
        out = bn3.forwardInPlace(conv3.forward(out));
        Tensor shortcut = downsample == null ? x : downsample.forward(x);
        return out.addReluInPlace(shortcut); // as torchvision: relu(out += identity), fused
    }
}
