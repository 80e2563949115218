package dev.panagrad.nn.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file whole or not at all: the content goes to a temporary file beside the target
 * ({@code .NAME.*.tmp}), which is forced to disk and then renamed over the target (atomically where the
 * file system can), and the folder is forced so that the rename survives a crash. If writing fails, or
 * the content itself throws (a checksum that does not match, an archive cut short), the target is
 * untouched and the temporary is gone. Temporaries that a killed process left beside the target are
 * removed first. Checkpoints, charts, downloads, extracted archives, caches and exported models all
 * write this way.
 */
public final class AtomicFile {
    /** What goes into the file; may throw to abandon the write. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFile() {
    }

    /** Writes {@code bytes} to {@code file}. */
    public static void write(Path file, byte[] bytes) throws IOException {
        write(file, out -> out.write(bytes));
    }

    /** Writes the remaining bytes of each buffer, in order, to {@code file}. */
    public static void write(Path file, ByteBuffer... parts) throws IOException {
        write(file, out -> {
            for (ByteBuffer b : parts) {
                if (b.hasArray()) {
                    out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
                    b.position(b.limit());
                } else {
                    byte[] chunk = new byte[Math.min(1 << 16, Math.max(1, b.remaining()))];
                    while (b.hasRemaining()) {
                        int n = Math.min(chunk.length, b.remaining());
                        b.get(chunk, 0, n);
                        out.write(chunk, 0, n);
                    }
                }
            }
        });
    }

    /** Writes what {@code content} produces to {@code file}. */
    public static void write(Path file, Content content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        String name = file.getFileName().toString();
        try (var stale = Files.newDirectoryStream(dir, "." + name + ".*.tmp")) {
            for (Path p : stale) {
                Files.deleteIfExists(p);
            }
        }
        Path tmp = Files.createTempFile(dir, "." + name + ".", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                content.writeTo(out);
                out.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true); // make the rename itself durable
        } catch (IOException | UnsupportedOperationException ignored) {
            // Some platforms cannot open a folder; the file itself is already on disk.
        }
    }
}
