package dev.panagrad.examples;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/** Writes class folders of noisy PNG images for the tests of {@code --dataset folder}. */
final class ClassFolders {
    /** The colour of pixel (x, y) of an image of class {@code c}, before noise. */
    interface Base {
        int rgb(int c, int x, int y);
    }

    private ClassFolders() {
    }

    /**
     * {@code dir/PREFIXc/i.png} for {@code classes} classes of {@code perClass} images of width x height:
     * each pixel is its base colour plus the same noise, uniform in [0, noise), on all three channels.
     */
    static Path write(Path dir, String prefix, int classes, int perClass, int width, int height, int noise, long seed,
                      Base base) throws IOException {
        Random rng = new Random(seed);
        for (int c = 0; c < classes; c++) {
            Path folder = Files.createDirectories(dir.resolve(prefix + c));
            for (int i = 0; i < perClass; i++) {
                BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < height; y++) {
                    for (int x = 0; x < width; x++) {
                        int n = rng.nextInt(noise);
                        img.setRGB(x, y, base.rgb(c, x, y) + (n << 16) + (n << 8) + n);
                    }
                }
                ImageIO.write(img, "png", folder.resolve(i + ".png").toFile());
            }
        }
        return dir;
    }
}
