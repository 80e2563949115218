package dev.panagrad.nn.data;

import dev.panagrad.engine.Rng;
import java.util.ArrayList;
import java.util.List;

/**
 * A seeded, deterministic dataset of small images with learnable class structure, for tests, smoke
 * runs and as an offline fallback. Wherever it is used, its description says it is generated data.
 *
 * <p>Each class has a prototype: a smooth colour layout (a random 4 x 4 grid per channel, upsampled
 * bilinearly) mixed from its superclass's layout and its own ({@link Recipe#ownShare}), so that classes of
 * one superclass look alike, as in CIFAR-100. An image is its class prototype shifted by up to
 * {@link Recipe#maxShift} pixels, scaled in brightness by 0.75..1.25 and per channel by
 * 1 +- {@link Recipe#colourJitter} (a nuisance: colour alone then tells less), with Gaussian noise. A
 * share {@link Recipe#labelNoise} of the training images is labelled with another class of the same
 * superclass, as annotators confuse look-alike classes; test labels are exact.
 */
public final class GeneratedImages {
    private static final int GRID = 4;

    /**
     * How hard the images are.
     *
     * @param ownShare     weight of a class's own layout against its superclass's
     * @param noise        standard deviation of the pixel noise (pixels span 0..1)
     * @param maxShift     largest shift in pixels, each way
     * @param colourJitter largest relative change of one channel's gain
     * @param labelNoise   share of training labels swapped for another class of the same superclass
     */
    public record Recipe(float ownShare, float noise, int maxShift, float colourJitter, float labelNoise) {
        /** Easy to learn: tests and smoke runs use it. */
        public static final Recipe EASY = new Recipe(0.4f, 0.2f, 3, 0f, 0f);
        /**
         * The offline fallback of the examples, calibrated so that the quick preset's teacher (ResNet-20)
         * reaches 75-90% top-1 and a student trained with cross-entropy alone stays clearly below it.
         */
        public static final Recipe FALLBACK = new Recipe(0.2f, 0.3f, 4, 0.3f, 0.1f);
    }

    private GeneratedImages() {
    }

    /** Train and test sets of the {@link Recipe#EASY} recipe. */
    public static DatasetSplit split(int train, int test, int classes, int superclasses, int channels, int size, long seed) {
        return split(train, test, classes, superclasses, channels, size, seed, Recipe.EASY);
    }

    /** Train and test sets drawn from the same prototypes, with independent samples. */
    public static DatasetSplit split(int train, int test, int classes, int superclasses, int channels, int size, long seed,
                                     Recipe recipe) {
        float[][] prototypes = prototypes(classes, superclasses, channels, size, seed, recipe.ownShare());
        return new DatasetSplit(
                sample("generated-train", train, prototypes, classes, superclasses, channels, size, seed, 1, recipe, true),
                sample("generated-test", test, prototypes, classes, superclasses, channels, size, seed, 2, recipe, false));
    }

    private static float[][] prototypes(int classes, int superclasses, int channels, int size, long seed, float ownShare) {
        if (classes < 1 || superclasses < 1 || superclasses > classes || channels < 1 || size < 4) {
            throw new IllegalArgumentException("GeneratedImages: need 1 <= superclasses <= classes, channels >= 1 and "
                    + "size >= 4, got " + classes + " classes, " + superclasses + " superclasses, " + channels
                    + " channels, size " + size);
        }
        Rng rng = new Rng(seed);
        float[][] superGrids = new float[superclasses][];
        for (int s = 0; s < superclasses; s++) {
            superGrids[s] = grid(rng, channels);
        }
        float[][] out = new float[classes][];
        for (int c = 0; c < classes; c++) {
            float[] own = grid(rng, channels);
            float[] mixed = new float[own.length];
            float[] base = superGrids[c % superclasses];
            for (int i = 0; i < own.length; i++) {
                mixed[i] = (1 - ownShare) * base[i] + ownShare * own[i];
            }
            out[c] = upsample(mixed, channels, size);
        }
        return out;
    }

    private static ImageDataset sample(String name, int n, float[][] prototypes, int classes, int superclasses,
                                       int channels, int size, long seed, int stream, Recipe recipe, boolean noisyLabels) {
        Rng rng = new Rng(seed * 31 + stream);
        int imageSize = channels * size * size;
        byte[] pixels = new byte[n * imageSize];
        int[] labels = new int[n];
        int[] coarse = new int[n];
        for (int i = 0; i < n; i++) {
            int c = i % classes;
            labels[i] = c;
            coarse[i] = c % superclasses;
            int shift = recipe.maxShift();
            int dy = rng.nextInt(2 * shift + 1) - shift;
            int dx = rng.nextInt(2 * shift + 1) - shift;
            float gain = 0.75f + 0.5f * rng.nextFloat();
            float[] proto = prototypes[c];
            for (int ch = 0; ch < channels; ch++) {
                // drawn only when jittering, so that the easy recipe's images stay those of earlier versions
                float channelGain = recipe.colourJitter() == 0 ? gain
                        : gain * (1 + recipe.colourJitter() * (2 * rng.nextFloat() - 1));
                for (int y = 0; y < size; y++) {
                    int sy = Math.min(size - 1, Math.max(0, y + dy));
                    for (int x = 0; x < size; x++) {
                        int sx = Math.min(size - 1, Math.max(0, x + dx));
                        float v = channelGain * proto[(ch * size + sy) * size + sx] + recipe.noise() * (float) rng.nextGaussian();
                        pixels[i * imageSize + (ch * size + y) * size + x] = (byte) Math.round(255f * Math.min(1f, Math.max(0f, v)));
                    }
                }
            }
        }
        if (noisyLabels && recipe.labelNoise() > 0 && classes > superclasses) {
            Rng flips = new Rng(seed * 31 + stream + 1000);
            for (int i = 0; i < n; i++) {
                if (flips.nextFloat() < recipe.labelNoise()) {
                    // another class of the same superclass: classes c, c + S, c + 2S, ... share superclass c % S
                    int siblings = (classes - coarse[i] + superclasses - 1) / superclasses;
                    if (siblings > 1) {
                        int other = flips.nextInt(siblings - 1);
                        int own = labels[i] / superclasses;
                        labels[i] = coarse[i] + superclasses * (other >= own ? other + 1 : other);
                    }
                }
            }
        }
        List<String> names = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            names.add("class" + c);
        }
        List<String> superNames = new ArrayList<>();
        for (int s = 0; s < superclasses; s++) {
            superNames.add("superclass" + s);
        }
        String description = "generated data (seed " + seed + "): " + classes + " classes in " + superclasses
                + " superclasses, smooth colour prototypes with shifts and noise"
                + (recipe.equals(Recipe.EASY) ? "" : String.format(java.util.Locale.ROOT,
                        " (own share %.2f, noise %.2f, shifts up to %d, colour jitter %.0f%%, %.0f%% of training labels "
                                + "swapped within their superclass)", recipe.ownShare(), recipe.noise(), recipe.maxShift(),
                        100 * recipe.colourJitter(), 100 * recipe.labelNoise()));
        return new ImageDataset(name, description, names, superNames, channels, size, size, pixels, labels, coarse);
    }

    private static float[] grid(Rng rng, int channels) {
        float[] g = new float[channels * GRID * GRID];
        for (int i = 0; i < g.length; i++) {
            g[i] = 0.1f + 0.8f * rng.nextFloat();
        }
        return g;
    }

    /** Bilinear upsampling of a channels x GRID x GRID layout to channels x size x size. */
    private static float[] upsample(float[] g, int channels, int size) {
        float[] out = new float[channels * size * size];
        for (int ch = 0; ch < channels; ch++) {
            for (int y = 0; y < size; y++) {
                float fy = (y + 0.5f) * GRID / size - 0.5f;
                int y0 = Math.max(0, Math.min(GRID - 1, (int) Math.floor(fy)));
                int y1 = Math.min(GRID - 1, y0 + 1);
                float wy = Math.max(0f, Math.min(1f, fy - y0));
                for (int x = 0; x < size; x++) {
                    float fx = (x + 0.5f) * GRID / size - 0.5f;
                    int x0 = Math.max(0, Math.min(GRID - 1, (int) Math.floor(fx)));
                    int x1 = Math.min(GRID - 1, x0 + 1);
                    float wx = Math.max(0f, Math.min(1f, fx - x0));
                    int b = ch * GRID * GRID;
                    float top = (1 - wx) * g[b + y0 * GRID + x0] + wx * g[b + y0 * GRID + x1];
                    float bottom = (1 - wx) * g[b + y1 * GRID + x0] + wx * g[b + y1 * GRID + x1];
                    out[(ch * size + y) * size + x] = (1 - wy) * top + wy * bottom;
                }
            }
        }
        return out;
    }
}
