package dev.panagrad.nn.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary versions of CIFAR-10 and CIFAR-100: fixed-size records of label bytes followed by 3072
 * pixel bytes (1024 red, 1024 green, 1024 blue, each 32 x 32 row-major). CIFAR-100 records start with
 * the coarse label, then the fine label; CIFAR-10 records with the one label.
 */
public final class CifarReader {
    static final int PIXELS = 3 * 32 * 32;

    private CifarReader() {
    }

    /** {@code train.bin} and {@code test.bin} of the extracted {@code cifar-100-binary} folder. */
    public static DatasetSplit loadCifar100(Path dir) throws IOException {
        return new DatasetSplit(readCifar100(dir.resolve("train.bin"), "cifar100-train"),
                readCifar100(dir.resolve("test.bin"), "cifar100-test"));
    }

    /** {@code data_batch_1..5.bin} and {@code test_batch.bin} of the extracted {@code cifar-10-batches-bin} folder. */
    public static DatasetSplit loadCifar10(Path dir) throws IOException {
        List<Path> train = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            train.add(dir.resolve("data_batch_" + i + ".bin"));
        }
        return new DatasetSplit(readCifar10(train, "cifar10-train"), readCifar10(List.of(dir.resolve("test_batch.bin")),
                "cifar10-test"));
    }

    /** One CIFAR-100 file: 3074-byte records (coarse label, fine label, pixels). */
    public static ImageDataset readCifar100(Path file, String name) throws IOException {
        Records r = read(List.of(file), 2, new int[] {ClassNames.CIFAR100_COARSE.size(), ClassNames.CIFAR100_FINE.size()},
                new String[] {"coarse label", "fine label"});
        return new ImageDataset(name, "CIFAR-100 from " + file.toAbsolutePath().getParent(), ClassNames.CIFAR100_FINE,
                ClassNames.CIFAR100_COARSE, 3, 32, 32, r.pixels, r.labels[1], r.labels[0]);
    }

    /** CIFAR-10 files, concatenated: 3073-byte records (label, pixels). */
    public static ImageDataset readCifar10(List<Path> files, String name) throws IOException {
        Records r = read(files, 1, new int[] {ClassNames.CIFAR10.size()}, new String[] {"label"});
        return new ImageDataset(name, "CIFAR-10 from " + files.get(0).toAbsolutePath().getParent(), ClassNames.CIFAR10,
                List.of(), 3, 32, 32, r.pixels, r.labels[0], null);
    }

    private record Records(byte[] pixels, int[][] labels) {
    }

    private static Records read(List<Path> files, int labelBytes, int[] ranges, String[] labelNames) throws IOException {
        int record = labelBytes + PIXELS;
        long total = 0;
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new NoSuchFileException(f.toString(), null, "CIFAR data file not found");
            }
            long size = Files.size(f);
            if (size == 0 || size % record != 0) {
                throw new DatasetFormatException(f, size / record * record, "file of " + size + " bytes is not a whole "
                        + "number of " + record + "-byte records: the last record is cut short (truncated file?)");
            }
            total += size / record;
        }
        if (total * PIXELS > Integer.MAX_VALUE - 8) {
            throw new DatasetFormatException(files.get(0), 0, "too many records (" + total + ")");
        }
        int n = (int) total;
        byte[] pixels = new byte[n * PIXELS];
        int[][] labels = new int[labelBytes][n];
        int at = 0;
        byte[] head = new byte[labelBytes];
        for (Path f : files) {
            try (InputStream in = new BufferedInputStream(Files.newInputStream(f), 1 << 16)) {
                long offset = 0;
                while (true) {
                    int got = in.readNBytes(head, 0, labelBytes);
                    if (got == 0) {
                        break;
                    }
                    if (got < labelBytes || in.readNBytes(pixels, at * PIXELS, PIXELS) < PIXELS) {
                        throw new DatasetFormatException(f, offset, "record " + at + " is cut short");
                    }
                    for (int k = 0; k < labelBytes; k++) {
                        int v = head[k] & 0xFF;
                        if (v >= ranges[k]) {
                            throw new DatasetFormatException(f, offset + k, labelNames[k] + " " + v + " of record "
                                    + (offset / record) + " is out of range 0.." + (ranges[k] - 1));
                        }
                        labels[k][at] = v;
                    }
                    at++;
                    offset += record;
                }
            }
        }
        return new Records(pixels, labels);
    }
}
