package dev.panagrad.nn.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderReaderTest {
    @TempDir
    Path dir;

    private static final ImageFolderReader.Options FOUR = new ImageFolderReader.Options(4, 4, 0.2, 7, false);

    @Test
    void classFoldersBecomeLabelsInNameOrderAndPixelsAreChannelPlanes() throws IOException {
        write(dir.resolve("train/dog/b.bmp"), solid(4, 4, 0x0000FF), "bmp");
        write(dir.resolve("train/cat/a.png"), solid(4, 4, 0xFF8000), "png");
        write(dir.resolve("test/cat/c.png"), grey(4, 4, 100), "png");
        Files.writeString(dir.resolve("train/cat/notes.txt"), "not an image");

        DatasetSplit split = ImageFolderReader.load(dir, FOUR).split();

        ImageDataset train = split.train();
        assertThat(train.classNames()).containsExactly("cat", "dog");
        assertThat(train.size()).isEqualTo(2);
        assertThat(train.channels()).isEqualTo(3);
        assertThat(train.label(0)).isZero();
        assertThat(train.label(1)).isEqualTo(1);
        // cat: R 255, G 128, B 0 in three planes of 16
        assertThat(train.pixel(0, 0)).isEqualTo(255);
        assertThat(train.pixel(0, 16 + 5)).isEqualTo(128);
        assertThat(train.pixel(0, 32 + 15)).isZero();
        assertThat(train.pixel(1, 32 + 3)).isEqualTo(255);
        // a grey image becomes three equal channels
        ImageDataset test = split.test();
        assertThat(test.size()).isEqualTo(1);
        assertThat(new int[] {test.pixel(0, 6), test.pixel(0, 16 + 6), test.pixel(0, 32 + 6)}).containsOnly(100);
    }

    @Test
    void imagesAreResizedToTheRequestedHeightAndWidth() throws IOException {
        BufferedImage halves = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) {
            for (int x = 4; x < 8; x++) {
                halves.setRGB(x, y, 0xFFFFFF);
            }
        }
        write(dir.resolve("train/a/halves.png"), halves, "png");

        ImageDataset d = ImageFolderReader.load(dir, new ImageFolderReader.Options(4, 2, 0.2, 0, false)).split().train();

        assertThat(d.height()).isEqualTo(4);
        assertThat(d.width()).isEqualTo(2);
        for (int y = 0; y < 4; y++) {
            assertThat(d.pixel(0, y * 2)).as("left, row %d", y).isLessThan(30);
            assertThat(d.pixel(0, y * 2 + 1)).as("right, row %d", y).isGreaterThan(225);
        }
    }

    @Test
    void withoutATestFolderEachClassIsSplitBySeed() throws IOException {
        int[] counts = {10, 5, 1};
        for (int c = 0; c < counts.length; c++) {
            for (int i = 0; i < counts[c]; i++) {
                write(dir.resolve("c" + c + "/" + i + ".png"), solid(4, 4, c * 40 + i), "png");
            }
        }

        DatasetSplit split = ImageFolderReader.load(dir, FOUR).split();

        // round(0.2 n) of each class, at least one where there are two or more, none of a class of one
        assertThat(classCounts(split.test(), 3)).containsExactly(2, 1, 0);
        assertThat(classCounts(split.train(), 3)).containsExactly(8, 4, 1);
        assertThat(split.test().description()).contains("20% of each class held out", "seed 7");
        DatasetSplit again = ImageFolderReader.load(dir, FOUR).split();
        assertThat(pixels(again.test())).containsExactly(pixels(split.test()));
    }

    @Test
    void anImageThatDoesNotDecodeIsNamed() throws IOException {
        write(dir.resolve("train/a/good.png"), solid(4, 4, 0), "png");
        Path bad = dir.resolve("train/a/broken.png");
        Files.write(bad, new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2});

        assertThatThrownBy(() -> ImageFolderReader.load(dir, FOUR))
                .isInstanceOf(DatasetFormatException.class)
                .hasMessageContaining(bad.toString())
                .hasMessageContaining("--skip-bad-images");
    }

    @Test
    void skippingBadImagesLeavesThemOutAndListsThem() throws IOException {
        write(dir.resolve("train/a/good.png"), solid(4, 4, 0), "png");
        Path bad = dir.resolve("train/a/broken.jpg");
        Files.writeString(bad, "text, not a JPEG");

        ImageFolderReader.Loaded loaded = ImageFolderReader.load(dir, new ImageFolderReader.Options(4, 4, 0.5, 7, true));

        assertThat(loaded.skipped()).containsExactly(bad);
        assertThat(loaded.split().train().size() + loaded.split().test().size()).isEqualTo(1);
    }

    @Test
    void aSecondLoadReadsTheCacheAndAChangedFolderIsDecodedAfresh() throws IOException {
        write(dir.resolve("train/a/1.png"), solid(4, 4, 0x102030), "png");
        write(dir.resolve("train/b/2.png"), solid(4, 4, 0x405060), "png");
        write(dir.resolve("test/a/3.png"), solid(4, 4, 0x708090), "png");

        ImageFolderReader.Loaded first = ImageFolderReader.load(dir, FOUR);
        ImageFolderReader.Loaded second = ImageFolderReader.load(dir, FOUR);
        write(dir.resolve("train/b/4.png"), solid(4, 4, 0xA0B0C0), "png");
        ImageFolderReader.Loaded third = ImageFolderReader.load(dir, FOUR);

        assertThat(first.fromCache()).isFalse();
        assertThat(Files.exists(dir.resolve(".panagrad-cache-4x4.bin"))).isTrue();
        assertThat(second.fromCache()).isTrue();
        assertThat(pixels(second.split().train())).containsExactly(pixels(first.split().train()));
        assertThat(pixels(second.split().test())).containsExactly(pixels(first.split().test()));
        assertThat(third.fromCache()).isFalse();
        assertThat(third.split().train().size()).isEqualTo(3);
    }

    @Test
    void aTestClassWithoutATrainingFolderIsAnError() throws IOException {
        write(dir.resolve("train/a/1.png"), solid(4, 4, 0), "png");
        write(dir.resolve("test/zebra/2.png"), solid(4, 4, 0), "png");

        assertThatThrownBy(() -> ImageFolderReader.load(dir, FOUR))
                .isInstanceOf(DatasetFormatException.class)
                .hasMessageContaining("zebra");
    }

    @Test
    void classFoldersWithoutImagesAreAnError() throws IOException {
        Files.createDirectories(dir.resolve("train/a"));
        Files.writeString(dir.resolve("train/a/readme.txt"), "no images here");

        assertThatThrownBy(() -> ImageFolderReader.load(dir, FOUR))
                .isInstanceOf(DatasetFormatException.class)
                .hasMessageContaining(dir.resolve("train").toString())
                .hasMessageContaining("no bmp, gif, jpeg, jpg, png images");
    }

    @Test
    void aMissingFolderSaysWhatLayoutIsExpected() {
        assertThatThrownBy(() -> ImageFolderReader.load(dir.resolve("nowhere"), FOUR))
                .isInstanceOf(DatasetUnavailableException.class)
                .hasMessageContaining("nowhere")
                .hasMessageContaining("train/<class>/<image>");
    }

    private static BufferedImage solid(int w, int h, int rgb) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        return img;
    }

    private static BufferedImage grey(int w, int h, int value) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, value);
            }
        }
        return img;
    }

    private static void write(Path file, BufferedImage img, String format) throws IOException {
        Files.createDirectories(file.getParent());
        if (!ImageIO.write(img, format, file.toFile())) {
            throw new IOException("no writer for " + format);
        }
    }

    private static int[] classCounts(ImageDataset d, int classes) {
        int[] counts = new int[classes];
        for (int i = 0; i < d.size(); i++) {
            counts[d.label(i)]++;
        }
        return counts;
    }

    private static int[] pixels(ImageDataset d) {
        int[] px = new int[d.size() * d.imageSize()];
        for (int i = 0; i < d.size(); i++) {
            for (int p = 0; p < d.imageSize(); p++) {
                px[i * d.imageSize() + p] = d.pixel(i, p);
            }
        }
        return px;
    }
}
