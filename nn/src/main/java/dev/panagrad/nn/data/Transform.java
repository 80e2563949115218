package dev.panagrad.nn.data;

import dev.panagrad.engine.Rng;
import java.util.List;

/**
 * A per-image augmentation or normalisation, applied in place to one CHW float image. Random choices
 * come from the generator passed in, which the loader derives from (seed, epoch, image), so results
 * are the same whatever the worker count.
 */
@FunctionalInterface
public interface Transform {
    void apply(float[] image, int offset, int channels, int height, int width, Rng rng);

    /** Applies {@code transforms} in order. */
    static Transform compose(List<Transform> transforms) {
        List<Transform> list = List.copyOf(transforms);
        return (image, offset, c, h, w, rng) -> {
            for (Transform t : list) {
                t.apply(image, offset, c, h, w, rng);
            }
        };
    }

    /** No change. */
    Transform IDENTITY = (image, offset, c, h, w, rng) -> { };

    /**
     * {@code RandomCrop(size, padding)} with the crop as large as the image: pad with zeros by
     * {@code padding} on every side, then cut out an image-sized window at a random position.
     */
    static Transform randomCrop(int padding) {
        return (image, offset, c, h, w, rng) -> {
            int dy = rng.nextInt(2 * padding + 1) - padding;
            int dx = rng.nextInt(2 * padding + 1) - padding;
            if (dy == 0 && dx == 0) {
                return;
            }
            float[] copy = java.util.Arrays.copyOfRange(image, offset, offset + c * h * w);
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    int sy = y + dy;
                    int row = offset + (ch * h + y) * w;
                    for (int x = 0; x < w; x++) {
                        int sx = x + dx;
                        image[row + x] = sy >= 0 && sy < h && sx >= 0 && sx < w ? copy[(ch * h + sy) * w + sx] : 0f;
                    }
                }
            }
        };
    }

    /** Mirrors the image left to right with probability {@code p}. */
    static Transform horizontalFlip(float p) {
        return (image, offset, c, h, w, rng) -> {
            if (rng.nextFloat() >= p) {
                return;
            }
            for (int row = 0; row < c * h; row++) {
                int base = offset + row * w;
                for (int x = 0; x < w / 2; x++) {
                    float t = image[base + x];
                    image[base + x] = image[base + w - 1 - x];
                    image[base + w - 1 - x] = t;
                }
            }
        };
    }

    /** {@code (x - mean[c]) / std[c]} per channel. */
    static Transform normalize(float[] mean, float[] std) {
        float[] m = mean.clone();
        float[] s = std.clone();
        return (image, offset, c, h, w, rng) -> {
            if (m.length != c || s.length != c) {
                throw new IllegalArgumentException("normalize: " + m.length + " means for " + c + " channels");
            }
            int plane = h * w;
            for (int ch = 0; ch < c; ch++) {
                float inv = 1f / s[ch];
                int base = offset + ch * plane;
                for (int i = 0; i < plane; i++) {
                    image[base + i] = (image[base + i] - m[ch]) * inv;
                }
            }
        };
    }
}
