package dev.panagrad.nn.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Extracts gzip-compressed tar archives (POSIX ustar, as the dataset archives are): regular files and
 * folders, each file written to a temporary name and renamed when complete. Entries that would land
 * outside the target folder are refused.
 */
public final class TarGz {
    private static final int BLOCK = 512;

    private TarGz() {
    }

    /** Extracts {@code archive} under {@code dir}; returns the files written. */
    public static List<Path> extract(Path archive, Path dir) throws IOException {
        Path root = dir.toAbsolutePath().normalize();
        Files.createDirectories(root);
        List<Path> written = new ArrayList<>();
        try (InputStream in = new BufferedInputStream(new GZIPInputStream(Files.newInputStream(archive), 1 << 16), 1 << 16)) {
            byte[] header = new byte[BLOCK];
            long offset = 0;
            while (true) {
                int got = in.readNBytes(header, 0, BLOCK);
                if (got == 0 || isZero(header)) {
                    break;
                }
                if (got < BLOCK) {
                    throw new DatasetFormatException(archive, offset, "tar header cut short");
                }
                String name = string(header, 0, 100);
                String prefix = string(header, 345, 155);
                if (!prefix.isEmpty() && "ustar".equals(string(header, 257, 5))) {
                    name = prefix + "/" + name;
                }
                long size = octal(header, 124, 12, archive, offset);
                char type = (char) header[156];
                offset += BLOCK;
                long padded = (size + BLOCK - 1) / BLOCK * BLOCK;
                Path target = root.resolve(name).normalize();
                if (!target.startsWith(root)) {
                    throw new DatasetFormatException(archive, offset - BLOCK, "entry '" + name + "' points outside " + root);
                }
                if (type == '5') {
                    Files.createDirectories(target);
                } else if (type == '0' || type == '\0') {
                    Files.createDirectories(target.getParent());
                    Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".part");
                    try {
                        try (var out = Files.newOutputStream(tmp)) {
                            long left = size;
                            byte[] buf = new byte[1 << 16];
                            while (left > 0) {
                                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                                if (n < 0) {
                                    throw new DatasetFormatException(archive, offset + size - left, "entry '" + name
                                            + "' is cut short (truncated archive)");
                                }
                                out.write(buf, 0, n);
                                left -= n;
                            }
                        }
                        try {
                            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                        } catch (AtomicMoveNotSupportedException e) {
                            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                        }
                    } finally {
                        Files.deleteIfExists(tmp);
                    }
                    written.add(target);
                    in.skipNBytes(padded - size);
                    offset += padded;
                    continue;
                }
                in.skipNBytes(padded); // links, pax headers and the like carry nothing we need
                offset += padded;
            }
        }
        return written;
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static String string(byte[] b, int from, int len) {
        int end = from;
        while (end < from + len && b[end] != 0) {
            end++;
        }
        return new String(b, from, end - from, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] b, int from, int len, Path archive, long offset) throws DatasetFormatException {
        String s = string(b, from, len).trim();
        try {
            return s.isEmpty() ? 0 : Long.parseLong(s, 8);
        } catch (NumberFormatException e) {
            throw new DatasetFormatException(archive, offset + from, "bad tar size field '" + s + "'");
        }
    }
}
