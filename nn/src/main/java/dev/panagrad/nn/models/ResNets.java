package dev.panagrad.nn.models;

import dev.panagrad.engine.Rng;
import java.util.List;

/**
 * The model zoo. CIFAR ResNets (32 x 32 input) follow the common CIFAR-100 distillation benchmark:
 * depth 6n + 2 with n basic blocks per stage and widths 16/16/32/64 ({@code resnet8} to {@code resnet110})
 * or four times wider, 32/64/128/256 ({@code resnet8x4}, {@code resnet32x4}); 1 x 1 convolution shortcuts
 * where the shape changes. ImageNet ResNets are torchvision's {@code resnet18/34/50}.
 */
public final class ResNets {
    private static final int[] CIFAR = {16, 16, 32, 64};
    private static final int[] CIFAR_X4 = {32, 64, 128, 256};
    private static final int[] IMAGENET = {64, 64, 128, 256, 512};

    private ResNets() {
    }

    /** Names accepted by {@link #create}. */
    public static List<String> names() {
        return List.of("resnet8", "resnet14", "resnet20", "resnet32", "resnet44", "resnet56", "resnet110",
                "resnet8x4", "resnet32x4", "resnet18", "resnet34", "resnet50");
    }

    /**
     * A model by name, for images with {@code inChannels} channels (3 for colour, 1 for grey) and
     * {@code numClasses} outputs.
     */
    public static ResNet create(String name, int numClasses, int inChannels, Rng rng) {
        return switch (name) {
            case "resnet8", "resnet14", "resnet20", "resnet32", "resnet44", "resnet56", "resnet110" ->
                    cifar(name, Integer.parseInt(name.substring(6)), CIFAR, numClasses, inChannels, rng);
            case "resnet8x4" -> cifar(name, 8, CIFAR_X4, numClasses, inChannels, rng);
            case "resnet32x4" -> cifar(name, 32, CIFAR_X4, numClasses, inChannels, rng);
            case "resnet18" -> new ResNet(name, false, new int[] {2, 2, 2, 2}, IMAGENET, true, inChannels, numClasses, rng);
            case "resnet34" -> new ResNet(name, false, new int[] {3, 4, 6, 3}, IMAGENET, true, inChannels, numClasses, rng);
            case "resnet50" -> new ResNet(name, true, new int[] {3, 4, 6, 3}, IMAGENET, true, inChannels, numClasses, rng);
            default -> throw new IllegalArgumentException("ResNets: unknown model '" + name + "'; known: " + names());
        };
    }

    /** A colour-image model. */
    public static ResNet create(String name, int numClasses, Rng rng) {
        return create(name, numClasses, 3, rng);
    }

    private static ResNet cifar(String name, int depth, int[] widths, int numClasses, int inChannels, Rng rng) {
        if ((depth - 2) % 6 != 0) {
            throw new IllegalArgumentException("ResNets: CIFAR depth must be 6n + 2, got " + depth);
        }
        int n = (depth - 2) / 6;
        return new ResNet(name, false, new int[] {n, n, n}, widths, false, inChannels, numClasses, rng);
    }
}
