package dev.panagrad.nn.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.panagrad.engine.Rng;
import dev.panagrad.nn.StateDictMismatchException;
import dev.panagrad.nn.data.CifarReader;
import dev.panagrad.nn.data.DatasetFormatException;
import dev.panagrad.nn.data.IdxReader;
import dev.panagrad.nn.io.Checkpoint;
import dev.panagrad.nn.io.CheckpointFormatException;
import dev.panagrad.nn.layers.Linear;
import dev.panagrad.nn.layers.Sequential;
import dev.panagrad.nn.layers.BatchNorm1d;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of randomly corrupted files per format: every reader either reads the file or throws its
 * documented exception, which names the file, within a time bound; no other exception, no hang and no
 * allocation sized by a forged header (the test JVM's heap would not hold one).
 */
class FuzzedReadersTest {
    private static final int CASES = 2000;
    private static final Duration BOUND = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    interface Reader {
        void read(Path file) throws IOException;
    }

    /** Runs every corruption of {@code valid} through {@code reader}; returns how many were rejected. */
    private int fuzz(String format, byte[] valid, int headerBytes, Class<? extends Exception> documented, Reader reader) {
        Path file = dir.resolve(format);
        return assertTimeoutPreemptively(BOUND, () -> {
            int rejected = 0;
            for (int i = 0; i < CASES; i++) {
                Files.write(file, Corruptions.corrupt(valid, headerBytes, format.hashCode(), i));
                try {
                    reader.read(file);
                } catch (Exception e) {
                    if (!documented.isInstance(e)) {
                        throw new AssertionError(format + " case " + i + ": " + e.getClass().getName() + " instead of "
                                + documented.getSimpleName() + ": " + e.getMessage(), e);
                    }
                    assertThat(e.getMessage()).as("%s case %d names the file", format, i).contains(file.toString());
                    rejected++;
                }
            }
            return rejected;
        }, () -> format + ": " + CASES + " cases took longer than " + BOUND);
    }

    @Test
    void cifar100Files() {
        byte[] valid = new byte[5 * 3074];
        for (int i = 0; i < 5; i++) {
            valid[i * 3074] = (byte) (i % 20);
            valid[i * 3074 + 1] = (byte) (i * 17 % 100);
        }
        int rejected = fuzz("train.bin", valid, 2, DatasetFormatException.class,
                f -> CifarReader.readCifar100(f, "fuzz"));
        assertThat(rejected).as("most damage is detected").isGreaterThan(CASES / 4);
    }

    @Test
    void idxFiles() {
        byte[] valid = idx(new int[] {7, 28, 28}, new byte[7 * 28 * 28]);
        int rejected = fuzz("images.idx", valid, 16, DatasetFormatException.class, f -> IdxReader.read(f, 3));
        assertThat(rejected).isGreaterThan(CASES / 4);
    }

    @Test
    void gzippedIdxFiles() throws IOException {
        byte[] raw = idx(new int[] {9}, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        int rejected = fuzz("labels.idx.gz", out.toByteArray(), 10, DatasetFormatException.class, f -> IdxReader.read(f, 1));
        assertThat(rejected).isGreaterThan(CASES / 4);
    }

    @Test
    void checkpoints() throws IOException {
        Sequential model = new Sequential(new Linear(6, 5, new Rng(1)), new BatchNorm1d(5), new Linear(5, 3, new Rng(2)));
        Path good = dir.resolve("good.safetensors");
        Checkpoint.saveModel(good, model);
        byte[] valid = Files.readAllBytes(good);
        int headerBytes = 8 + (int) ByteBuffer.wrap(valid, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        Sequential target = new Sequential(new Linear(6, 5, new Rng(3)), new BatchNorm1d(5), new Linear(5, 3, new Rng(4)));
        int rejected = fuzz("model.safetensors", valid, headerBytes, CheckpointFormatException.class, f -> {
            try {
                Checkpoint.loadModel(f, target);
            } catch (StateDictMismatchException e) {
                // a header edited consistently (names, shapes) that no longer fits the model: also documented
                throw new CheckpointFormatException(f, 0, e.getMessage());
            }
        });
        assertThat(rejected).as("the CRC catches damage to the data").isGreaterThan(CASES * 9 / 10);
    }

    private static byte[] idx(int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.putInt(0x0800 | dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(data);
        return b.array();
    }
}
