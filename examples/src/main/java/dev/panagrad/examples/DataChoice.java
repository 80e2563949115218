package dev.panagrad.examples;

import dev.panagrad.nn.data.ChannelStatistics;
import dev.panagrad.nn.data.DatasetSources;
import dev.panagrad.nn.data.DatasetSplit;
import dev.panagrad.nn.data.DatasetUnavailableException;
import dev.panagrad.nn.data.Downloader;
import dev.panagrad.nn.data.FashionMnistReader;
import dev.panagrad.nn.data.GeneratedImages;
import dev.panagrad.nn.data.ImageFolderReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Which data a run uses: CIFAR-100, CIFAR-10, Fashion-MNIST, a folder of class folders of images, or
 * generated images. With {@code auto}: CIFAR-100 from the data folder; if missing, a download where
 * the network allows; otherwise, saying so, Fashion-MNIST from Debian's dataset-fashion-mnist location if
 * present; else the generated dataset.
 */
final class DataChoice {
    /**
     * The chosen data and why; for a folder of images, the channel statistics of its training images
     * (null for data with published ones) and the files left out as unreadable.
     */
    record Resolved(String name, DatasetSplit split, String note, ChannelStatistics statistics, List<Path> skipped) {
        Resolved(String name, DatasetSplit split, String note) {
            this(name, split, note, null, List.of());
        }
    }

    /**
     * What the command line asked for: {@code data} is the dataset's folder, null for its default
     * (required for {@code folder}); image size, test fraction and bad-image handling apply to folders.
     */
    record Request(String dataset, Path data, long seed, int height, int width, double testFraction,
                   boolean skipBadImages) {
    }

    private static final Path CIFAR100_DIR = Path.of("data", "cifar-100-binary");
    private static final Path CIFAR10_DIR = Path.of("data", "cifar-10-batches-bin");

    private DataChoice() {
    }

    static Resolved resolve(Request r, PrintStream out) throws IOException {
        Downloader.Progress bar = Downloader.consoleBar("downloading", out);
        Path cifarDir = r.data() != null ? r.data() : CIFAR100_DIR;
        long seed = r.seed();
        switch (r.dataset()) {
            case "cifar100" -> {
                return new Resolved("cifar100", DatasetSources.cifar100(cifarDir, bar), "CIFAR-100 as requested");
            }
            case "cifar10" -> {
                Path dir = r.data() != null ? r.data() : CIFAR10_DIR;
                return new Resolved("cifar10", DatasetSources.cifar10(dir, bar), "CIFAR-10 as requested, from " + dir);
            }
            case "folder" -> {
                if (r.data() == null) {
                    throw new IllegalArgumentException("--dataset folder needs --data DIR, a folder of DIR/train/<class>/<image>"
                            + " (and optionally DIR/test/<class>/<image>)");
                }
                ImageFolderReader.Loaded loaded = ImageFolderReader.load(r.data(), new ImageFolderReader.Options(
                        r.height(), r.width(), r.testFraction(), seed, r.skipBadImages()));
                String note = "images from " + r.data() + (loaded.fromCache() ? " (decoded earlier, from its cache)" : "");
                int bad = loaded.skipped().size();
                if (bad > 0) {
                    note += "; " + bad + (bad == 1 ? " unreadable file skipped" : " unreadable files skipped");
                    out.println("Skipped " + bad + (bad == 1 ? " file" : " files") + " that did not decode, first "
                            + loaded.skipped().get(0) + " (all are listed in config.json)");
                }
                return new Resolved("folder", loaded.split(), note, ChannelStatistics.of(loaded.split().train()),
                        loaded.skipped());
            }
            case "fashion-mnist" -> {
                return fashion("Fashion-MNIST as requested", cifarDir, bar);
            }
            case "generated" -> {
                return generated(seed, "generated data as requested");
            }
            case "auto" -> {
                try {
                    return new Resolved("cifar100", DatasetSources.cifar100(cifarDir, bar), "CIFAR-100 from " + cifarDir);
                } catch (DatasetUnavailableException e) {
                    out.println("CIFAR-100 is not available: " + e.getMessage());
                    if (FashionMnistReader.isPresent(FashionMnistReader.DEBIAN_DIR)) {
                        out.println("Using Fashion-MNIST from " + FashionMnistReader.DEBIAN_DIR + " instead.");
                        return new Resolved("fashion-mnist", FashionMnistReader.load(FashionMnistReader.DEBIAN_DIR),
                                "CIFAR-100 unavailable; Fashion-MNIST from " + FashionMnistReader.DEBIAN_DIR + " instead");
                    }
                    out.println("Fashion-MNIST is not installed either (apt-get install dataset-fashion-mnist); "
                            + "using generated data instead.");
                    return generated(seed, "CIFAR-100 and Fashion-MNIST unavailable; generated data instead");
                }
            }
            default -> throw new IllegalArgumentException("--dataset: unknown '" + r.dataset()
                    + "'; known: auto, cifar100, cifar10, fashion-mnist, folder, generated");
        }
    }

    private static Resolved fashion(String note, Path cifarDir, Downloader.Progress bar) throws IOException {
        if (FashionMnistReader.isPresent(FashionMnistReader.DEBIAN_DIR)) {
            return new Resolved("fashion-mnist", FashionMnistReader.load(FashionMnistReader.DEBIAN_DIR),
                    note + ", from " + FashionMnistReader.DEBIAN_DIR);
        }
        Path dir = cifarDir.toAbsolutePath().getParent().resolve("fashion-mnist");
        return new Resolved("fashion-mnist", DatasetSources.fashionMnist(dir, bar), note + ", from " + dir);
    }

    /** 32 x 32 colour images of 20 classes in 5 superclasses, 10000 for training and 2000 for testing. */
    private static Resolved generated(long seed, String note) {
        return new Resolved("generated", GeneratedImages.split(10_000, 2_000, 20, 5, 3, 32, seed,
                GeneratedImages.Recipe.FALLBACK), note);
    }
}
