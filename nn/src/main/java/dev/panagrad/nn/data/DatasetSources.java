package dev.panagrad.nn.data;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the standard datasets come from, and how to make them present: use the extracted files if they
 * are there, else an archive placed by hand (checked against its MD5), else a download from the
 * official address (checked the same way); when all fail, a {@link DatasetUnavailableException} says
 * where to put the files.
 */
public final class DatasetSources {
    private DatasetSources() {
    }

    /** A downloadable file with its official checksum. */
    public record Remote(String fileName, URI uri, String md5) {
    }

    /** {@code cifar-100-binary.tar.gz}, which extracts to {@code cifar-100-binary/{train,test}.bin}. */
    public static final Remote CIFAR100 = new Remote("cifar-100-binary.tar.gz",
            URI.create("https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz"), "03b5dce01913d631647c71ecec9e9cb8");

    /** {@code cifar-10-binary.tar.gz}, which extracts to {@code cifar-10-batches-bin/}. */
    public static final Remote CIFAR10 = new Remote("cifar-10-binary.tar.gz",
            URI.create("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"), "c32a1d4ab5d03f1284b67883e8d87530");

    private static final String FASHION_BASE = "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/";

    /** The four Fashion-MNIST files. */
    public static final List<Remote> FASHION_MNIST = List.of(
            new Remote("train-images-idx3-ubyte.gz", URI.create(FASHION_BASE + "train-images-idx3-ubyte.gz"),
                    "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
            new Remote("train-labels-idx1-ubyte.gz", URI.create(FASHION_BASE + "train-labels-idx1-ubyte.gz"),
                    "25c81989df183df01b3e8a0aad5dffbe"),
            new Remote("t10k-images-idx3-ubyte.gz", URI.create(FASHION_BASE + "t10k-images-idx3-ubyte.gz"),
                    "bef4ecab320f06d8554ea6380940ec79"),
            new Remote("t10k-labels-idx1-ubyte.gz", URI.create(FASHION_BASE + "t10k-labels-idx1-ubyte.gz"),
                    "bb300cfdad3c16e7a12a480ee83cd310"));

    /**
     * Makes {@code folder} (such as {@code data/cifar-100-binary}) hold {@code required} files, from an
     * archive next to it or from {@code remote}.
     *
     * @return {@code folder}
     */
    public static Path ensureExtracted(Path folder, List<String> required, Remote remote, Downloader.Progress progress)
            throws IOException {
        if (allPresent(folder, required)) {
            return folder;
        }
        Path parent = folder.toAbsolutePath().getParent();
        Path archive = parent.resolve(remote.fileName());
        try {
            if (Files.isRegularFile(archive)) {
                Downloader.verify(archive, remote.md5());
            } else {
                Downloader.download(remote.uri(), archive, remote.md5(), progress);
            }
            TarGz.extract(archive, parent);
        } catch (IOException e) {
            throw new DatasetUnavailableException("dataset not found in " + folder + " and not obtainable: "
                    + e.getMessage() + ". Download " + remote.uri() + " (MD5 " + remote.md5() + ") by hand and put it at "
                    + archive + ", or extract it there so that " + folder + " holds " + required, e);
        }
        if (!allPresent(folder, required)) {
            throw new DatasetUnavailableException("extracting " + archive + " did not produce " + required + " in "
                    + folder, null);
        }
        return folder;
    }

    /** Makes {@code folder} hold the given files, each downloaded from its address if missing. */
    public static Path ensureFiles(Path folder, List<Remote> files, Downloader.Progress progress) throws IOException {
        for (Remote r : files) {
            Path target = folder.resolve(r.fileName());
            if (Files.isRegularFile(target)) {
                continue;
            }
            try {
                Downloader.download(r.uri(), target, r.md5(), progress);
            } catch (IOException e) {
                throw new DatasetUnavailableException("file " + target + " not found and not obtainable: " + e.getMessage()
                        + ". Download " + r.uri() + " (MD5 " + r.md5() + ") by hand and put it at " + target, e);
            }
        }
        return folder;
    }

    /** CIFAR-100 in {@code folder}, downloading and extracting it when needed. */
    public static DatasetSplit cifar100(Path folder, Downloader.Progress progress) throws IOException {
        return CifarReader.loadCifar100(ensureExtracted(folder, List.of("train.bin", "test.bin"), CIFAR100, progress));
    }

    /** CIFAR-10 in {@code folder}, downloading and extracting it when needed. */
    public static DatasetSplit cifar10(Path folder, Downloader.Progress progress) throws IOException {
        return CifarReader.loadCifar10(ensureExtracted(folder, List.of("data_batch_1.bin", "data_batch_2.bin",
                "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"), CIFAR10, progress));
    }

    /** Fashion-MNIST in {@code folder}, downloading the files when needed. */
    public static DatasetSplit fashionMnist(Path folder, Downloader.Progress progress) throws IOException {
        if (!FashionMnistReader.isPresent(folder)) {
            ensureFiles(folder, FASHION_MNIST, progress);
        }
        return FashionMnistReader.load(folder);
    }

    private static boolean allPresent(Path folder, List<String> required) {
        for (String f : required) {
            if (!Files.isRegularFile(folder.resolve(f))) {
                return false;
            }
        }
        return true;
    }
}
