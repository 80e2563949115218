package dev.panagrad.nn.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarReaderTest {
    @TempDir
    Path dir;

    @Test
    void readsCifar100RecordsWithBothLabels() throws Exception {
        Path file = DataFiles.write(dir.resolve("train.bin"), DataFiles.cifar100(new int[] {4, 19, 0}, new int[] {30, 99, 0}));
        ImageDataset d = CifarReader.readCifar100(file, "c100");
        assertThat(d.size()).isEqualTo(3);
        assertThat(d.label(0)).isEqualTo(30);
        assertThat(d.coarseLabel(1)).isEqualTo(19);
        assertThat(d.classNames().get(d.label(1))).isEqualTo("worm");
        assertThat(d.coarseNames().get(d.coarseLabel(0))).isEqualTo("fruit_and_vegetables");
        // Pixels are CHW: position 1024 is the first green value.
        assertThat(d.pixel(2, 1024)).isEqualTo((2 * 7 + 1024) & 0xFF);
        assertThat(d.description()).startsWith("CIFAR-100 from");
    }

    @Test
    void readsCifar10Batches() throws Exception {
        for (int b = 1; b <= 5; b++) {
            DataFiles.write(dir.resolve("data_batch_" + b + ".bin"), DataFiles.cifar10(new int[] {b, 9}));
        }
        DataFiles.write(dir.resolve("test_batch.bin"), DataFiles.cifar10(new int[] {3}));
        DatasetSplit split = CifarReader.loadCifar10(dir);
        assertThat(split.train().size()).isEqualTo(10);
        assertThat(split.test().size()).isEqualTo(1);
        assertThat(split.train().label(2)).isEqualTo(2);
        assertThat(split.train().classNames().get(split.train().label(1))).isEqualTo("truck");
        assertThat(split.train().hasCoarseLabels()).isFalse();
    }

    @Test
    void aTruncatedFileNamesTheCutRecord() throws Exception {
        byte[] full = DataFiles.cifar100(new int[] {1, 2}, new int[] {3, 4});
        Path file = DataFiles.write(dir.resolve("train.bin"), Arrays.copyOf(full, full.length - 100));
        assertThatThrownBy(() -> CifarReader.readCifar100(file, "c100"))
                .isInstanceOf(DatasetFormatException.class)
                .hasMessage(file + ": file of 6048 bytes is not a whole number of 3074-byte records: the last record is "
                        + "cut short (truncated file?) (at byte offset 3074)");
    }

    @Test
    void aLabelOutOfRangeNamesItsOffset() throws Exception {
        Path file = DataFiles.write(dir.resolve("train.bin"), DataFiles.cifar100(new int[] {1, 2}, new int[] {3, 100}));
        assertThatThrownBy(() -> CifarReader.readCifar100(file, "c100"))
                .hasMessage(file + ": fine label 100 of record 1 is out of range 0..99 (at byte offset 3075)");
    }

    @Test
    void aMissingFileIsNamed() {
        assertThatThrownBy(() -> CifarReader.loadCifar100(dir))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(dir.resolve("train.bin").toString());
    }

    @Test
    void classNameListsHaveTheirSizes() {
        assertThat(ClassNames.CIFAR100_FINE).hasSize(100).doesNotHaveDuplicates();
        assertThat(ClassNames.CIFAR100_COARSE).hasSize(20).doesNotHaveDuplicates();
        assertThat(ClassNames.CIFAR10).hasSize(10);
        assertThat(ClassNames.FASHION_MNIST).hasSize(10);
        assertThat(List.of(Files.exists(dir))).containsExactly(true);
    }
}
