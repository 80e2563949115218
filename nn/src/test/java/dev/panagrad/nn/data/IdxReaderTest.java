package dev.panagrad.nn.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir
    Path dir;

    private static byte[] images(int n) {
        byte[] data = new byte[n * 4 * 3];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        return DataFiles.idx(new int[] {n, 4, 3}, data);
    }

    @Test
    void readsRawAndGzipFilesAlike() throws Exception {
        Path raw = DataFiles.write(dir.resolve("imgs"), images(5));
        Path gz = DataFiles.write(dir.resolve("imgs.gz"), DataFiles.gzip(images(5)));
        IdxReader.IdxArray a = IdxReader.read(raw, 3);
        IdxReader.IdxArray b = IdxReader.read(gz, 3);
        assertThat(a.dims()).containsExactly(5, 4, 3);
        assertThat(a.data()).hasSize(60).containsExactly(b.data());
        assertThat(a.data()[59]).isEqualTo((byte) 59);
    }

    @Test
    void aWrongMagicNumberIsNamed() throws Exception {
        Path labels = DataFiles.write(dir.resolve("labels"), DataFiles.idx(new int[] {3}, new byte[3]));
        assertThatThrownBy(() -> IdxReader.read(labels, 3))
                .isInstanceOf(DatasetFormatException.class)
                .hasMessage(labels + ": magic number 0x00000801 is not an IDX file of unsigned bytes with 3 dimensions "
                        + "(expected 0x00000803) (at byte offset 0)");
    }

    @Test
    void aTruncatedRawFileIsNamed() throws Exception {
        byte[] full = images(5);
        Path file = DataFiles.write(dir.resolve("imgs"), Arrays.copyOf(full, full.length - 7));
        assertThatThrownBy(() -> IdxReader.read(file, 3))
                .hasMessage(file + ": dimensions [5, 4, 3] need 60 data bytes after the 16-byte header, the file has 53 "
                        + "(truncated) (at byte offset 69)");
    }

    @Test
    void aTruncatedGzipStreamIsNamed() throws Exception {
        byte[] full = images(5);
        Path file = DataFiles.write(dir.resolve("imgs.gz"), DataFiles.gzip(Arrays.copyOf(full, full.length - 7)));
        assertThatThrownBy(() -> IdxReader.read(file, 3))
                .hasMessage(file + ": data ends after 53 of 60 values of the decompressed stream (truncated file) "
                        + "(at byte offset 69)");
    }

    @Test
    void aForgedSizeDoesNotAllocateIt() throws Exception {
        // Claims 2^30 values but holds 12: memory follows the data actually read.
        byte[] forged = ByteBuffer.allocate(16 + 12).putInt(0x0803).putInt(1 << 20).putInt(32).putInt(32).array();
        Path file = DataFiles.write(dir.resolve("forged.gz"), DataFiles.gzip(forged));
        assertThatThrownBy(() -> IdxReader.read(file, 3)).hasMessageContaining("data ends after 12 of 1073741824 values");
    }

    @Test
    void corruptGzipDataIsNamed() throws Exception {
        byte[] gz = DataFiles.gzip(images(50));
        for (int i = 12; i < 30; i++) {
            gz[i] ^= 0x5A;
        }
        Path file = DataFiles.write(dir.resolve("bad.gz"), gz);
        assertThatThrownBy(() -> IdxReader.read(file, 3)).isInstanceOf(DatasetFormatException.class)
                .hasMessageStartingWith(file.toString());
    }

    @Test
    void fashionMnistLabelsOutOfRangeAreNamed() throws Exception {
        DataFiles.write(dir.resolve("train-images-idx3-ubyte"), DataFiles.idx(new int[] {2, 2, 2}, new byte[8]));
        DataFiles.write(dir.resolve("train-labels-idx1-ubyte"), DataFiles.idx(new int[] {2}, new byte[] {3, 12}));
        DataFiles.write(dir.resolve("t10k-images-idx3-ubyte"), DataFiles.idx(new int[] {1, 2, 2}, new byte[4]));
        DataFiles.write(dir.resolve("t10k-labels-idx1-ubyte"), DataFiles.idx(new int[] {1}, new byte[] {0}));
        assertThat(FashionMnistReader.isPresent(dir)).isTrue();
        assertThatThrownBy(() -> FashionMnistReader.load(dir))
                .hasMessage(dir.resolve("train-labels-idx1-ubyte") + ": label 12 of image 1 is out of range 0..9 (at byte offset 9)");
    }
}
