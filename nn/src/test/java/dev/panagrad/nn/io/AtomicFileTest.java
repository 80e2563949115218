package dev.panagrad.nn.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {
    @TempDir
    Path dir;

    @Test
    void writesTheBuffersInOrderOverAnOldFile() throws IOException {
        Path file = dir.resolve("a/b/model.bin");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "old content that is longer");
        ByteBuffer direct = ByteBuffer.allocateDirect(3).put(new byte[] {4, 5, 6}).flip();
        AtomicFile.write(file, ByteBuffer.wrap(new byte[] {1, 2, 3}), direct);
        assertThat(Files.readAllBytes(file)).containsExactly(1, 2, 3, 4, 5, 6);
        try (var files = Files.list(file.getParent())) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void contentThatThrowsLeavesTheOldFileAndNoTemporary() throws IOException {
        Path file = dir.resolve("chart.svg");
        Files.writeString(file, "old");
        assertThatThrownBy(() -> AtomicFile.write(file, out -> {
            out.write("half of the new".getBytes(StandardCharsets.UTF_8));
            throw new IOException("checksum does not match");
        })).hasMessage("checksum does not match");
        assertThat(Files.readString(file)).isEqualTo("old");
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void temporariesOfAKilledEarlierWriteAreRemoved() throws IOException {
        Path file = dir.resolve("data.bin");
        Path stale = Files.writeString(dir.resolve(".data.bin.12345.tmp"), "left by a killed process");
        Path other = Files.writeString(dir.resolve(".other.bin.1.tmp"), "another file's");
        AtomicFile.write(file, new byte[] {7});
        assertThat(stale).doesNotExist();
        assertThat(other).exists();
        assertThat(Files.readAllBytes(file)).containsExactly(7);
    }
}
