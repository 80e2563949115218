package dev.panagrad.nn.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fashion-MNIST: 28 x 28 grey images of 10 clothing classes, 60000 for training and 10000 for testing,
 * as four IDX files ({@code train-images-idx3-ubyte[.gz]}, {@code train-labels-idx1-ubyte[.gz]},
 * {@code t10k-...}). Debian's {@code dataset-fashion-mnist} installs them in {@link #DEBIAN_DIR}.
 */
public final class FashionMnistReader {
    /** Where Debian's dataset-fashion-mnist package puts the files. */
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    private FashionMnistReader() {
    }

    /** Whether {@code dir} holds the four files (compressed or not). */
    public static boolean isPresent(Path dir) {
        for (String base : new String[] {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte"}) {
            if (!Files.isRegularFile(dir.resolve(base)) && !Files.isRegularFile(dir.resolve(base + ".gz"))) {
                return false;
            }
        }
        return true;
    }

    public static DatasetSplit load(Path dir) throws IOException {
        return new DatasetSplit(read(dir, "train", "fashion-mnist-train"), read(dir, "t10k", "fashion-mnist-test"));
    }

    private static ImageDataset read(Path dir, String prefix, String name) throws IOException {
        Path imagesFile = pick(dir, prefix + "-images-idx3-ubyte");
        Path labelsFile = pick(dir, prefix + "-labels-idx1-ubyte");
        IdxReader.IdxArray images = IdxReader.read(imagesFile, 3);
        IdxReader.IdxArray labels = IdxReader.read(labelsFile, 1);
        if (images.dims()[0] != labels.dims()[0]) {
            throw new DatasetFormatException(labelsFile, 4, labels.dims()[0] + " labels for the " + images.dims()[0]
                    + " images of " + imagesFile);
        }
        int[] y = new int[labels.data().length];
        for (int i = 0; i < y.length; i++) {
            y[i] = labels.data()[i] & 0xFF;
            if (y[i] >= ClassNames.FASHION_MNIST.size()) {
                throw new DatasetFormatException(labelsFile, 8 + i, "label " + y[i] + " of image " + i
                        + " is out of range 0..9");
            }
        }
        return new ImageDataset(name, "Fashion-MNIST from " + dir, ClassNames.FASHION_MNIST, java.util.List.of(), 1,
                images.dims()[1], images.dims()[2], images.data(), y, null);
    }

    private static Path pick(Path dir, String base) {
        Path gz = dir.resolve(base + ".gz");
        return Files.isRegularFile(gz) ? gz : dir.resolve(base);
    }
}
