package dev.panagrad.examples;

import dev.panagrad.nn.data.DatasetSources;
import dev.panagrad.nn.data.DatasetSplit;
import dev.panagrad.nn.data.DatasetUnavailableException;
import dev.panagrad.nn.data.Downloader;
import dev.panagrad.nn.data.FashionMnistReader;
import dev.panagrad.nn.data.GeneratedImages;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Which data a run uses. With {@code auto}: CIFAR-100 from the data folder; if missing, a download where
 * the network allows; otherwise, saying so, Fashion-MNIST from Debian's dataset-fashion-mnist location if
 * present; else the generated dataset.
 */
final class DataChoice {
    /** The chosen data and why. */
    record Resolved(String name, DatasetSplit split, String note) {
    }

    private DataChoice() {
    }

    static Resolved resolve(String dataset, Path cifarDir, long seed, PrintStream out) throws IOException {
        Downloader.Progress bar = Downloader.consoleBar("downloading", out);
        switch (dataset) {
            case "cifar100" -> {
                return new Resolved("cifar100", DatasetSources.cifar100(cifarDir, bar), "CIFAR-100 as requested");
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
            default -> throw new IllegalArgumentException("--dataset: unknown '" + dataset
                    + "'; known: auto, cifar100, fashion-mnist, generated");
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
        return new Resolved("generated", GeneratedImages.split(10_000, 2_000, 20, 5, 3, 32, seed), note);
    }
}
