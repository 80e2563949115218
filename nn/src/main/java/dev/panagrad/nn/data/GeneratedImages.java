package dev.panagrad.nn.data;

import dev.panagrad.engine.Rng;
import java.util.ArrayList;
import java.util.List;

/**
 * A seeded, deterministic dataset of small images with learnable class structure, for tests, smoke
 * runs and as an offline fallback. Wherever it is used, its description says it is generated data.
 *
 * <p>Each class has a prototype: a smooth colour layout (a random 4 x 4 grid per channel, upsampled
 * bilinearly) mixed from its superclass's layout (60%) and its own (40%), so that classes of one
 * superclass look alike, as in CIFAR-100. An image is its class prototype shifted by up to 3 pixels,
 * scaled in brightness by 0.75..1.25, with Gaussian noise (sigma {@value #NOISE}).
 */
public final class GeneratedImages {
    private static final int GRID = 4;
    static final float NOISE = 0.2f;

    private GeneratedImages() {
    }

    /** Train and test sets drawn from the same prototypes, with independent samples. */
    public static DatasetSplit split(int train, int test, int classes, int superclasses, int channels, int size, long seed) {
        float[][] prototypes = prototypes(classes, superclasses, channels, size, seed);
        return new DatasetSplit(
                sample("generated-train", train, prototypes, classes, superclasses, channels, size, seed, 1),
                sample("generated-test", test, prototypes, classes, superclasses, channels, size, seed, 2));
    }

    private static float[][] prototypes(int classes, int superclasses, int channels, int size, long seed) {
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
                mixed[i] = 0.6f * base[i] + 0.4f * own[i];
            }
            out[c] = upsample(mixed, channels, size);
        }
        return out;
    }

    private static ImageDataset sample(String name, int n, float[][] prototypes, int classes, int superclasses,
                                       int channels, int size, long seed, int stream) {
        Rng rng = new Rng(seed * 31 + stream);
        int imageSize = channels * size * size;
        byte[] pixels = new byte[n * imageSize];
        int[] labels = new int[n];
        int[] coarse = new int[n];
        for (int i = 0; i < n; i++) {
            int c = i % classes;
            labels[i] = c;
            coarse[i] = c % superclasses;
            int dy = rng.nextInt(7) - 3;
            int dx = rng.nextInt(7) - 3;
            float gain = 0.75f + 0.5f * rng.nextFloat();
            float[] proto = prototypes[c];
            for (int ch = 0; ch < channels; ch++) {
                for (int y = 0; y < size; y++) {
                    int sy = Math.min(size - 1, Math.max(0, y + dy));
                    for (int x = 0; x < size; x++) {
                        int sx = Math.min(size - 1, Math.max(0, x + dx));
                        float v = gain * proto[(ch * size + sy) * size + sx] + NOISE * (float) rng.nextGaussian();
                        pixels[i * imageSize + (ch * size + y) * size + x] = (byte) Math.round(255f * Math.min(1f, Math.max(0f, v)));
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
                + " superclasses, smooth colour prototypes with shifts and noise";
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
