package dev.panagrad.nn.data;

import dev.panagrad.nn.io.AtomicFile;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Extracts gzip-compressed tar archives (POSIX ustar, as the dataset archives are): regular files and
 * folders, each file written to a temporary name and renamed when complete. Names longer than the
 * header's 100 + 155 bytes come from a GNU long-name entry ({@code L}) or a pax extended header
 * ({@code x}, its {@code path} record) before the entry they name. Entries that would land outside the
 * target folder are refused; links and devices carry nothing a dataset needs and are passed over.
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
            String longName = null; // from an L or x entry, for the entry that follows
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
                if (type == 'L' || type == 'x') {
                    if (size > 1 << 20) {
                        throw new DatasetFormatException(archive, offset - BLOCK, "a " + (type == 'L' ? "long-name" : "pax")
                                + " entry of " + size + " bytes; expected at most 1 MiB");
                    }
                    byte[] data = in.readNBytes((int) size);
                    if (data.length < size) {
                        throw new DatasetFormatException(archive, offset, "tar entry cut short (truncated archive)");
                    }
                    in.skipNBytes(padded - size);
                    offset += padded;
                    String named = type == 'L' ? string(data, 0, data.length) : paxPath(data, archive, offset - padded);
                    if (named != null) {
                        longName = named;
                    }
                    continue;
                }
                if (longName != null) {
                    name = longName;
                    longName = null;
                }
                Path target = root.resolve(name).normalize();
                if (!target.startsWith(root)) {
                    throw new DatasetFormatException(archive, offset - BLOCK, "entry '" + name + "' points outside " + root);
                }
                if (type == '5') {
                    Files.createDirectories(target);
                } else if (type == '0' || type == '\0') {
                    long start = offset;
                    String entry = name;
                    AtomicFile.write(target, out -> {
                        long left = size;
                        byte[] buf = new byte[1 << 16];
                        while (left > 0) {
                            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                            if (n < 0) {
                                throw new DatasetFormatException(archive, start + size - left, "entry '" + entry
                                        + "' is cut short (truncated archive)");
                            }
                            out.write(buf, 0, n);
                            left -= n;
                        }
                    });
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

    /** The {@code path} of a pax extended header ({@code "LEN path=VALUE\n"} records), or null. */
    private static String paxPath(byte[] data, Path archive, long offset) throws DatasetFormatException {
        String path = null;
        int at = 0;
        while (at < data.length && data[at] != 0) {
            int space = at;
            while (space < data.length && data[space] != ' ') {
                space++;
            }
            int length;
            try {
                length = Integer.parseInt(new String(data, at, space - at, StandardCharsets.UTF_8));
            } catch (NumberFormatException e) {
                throw new DatasetFormatException(archive, offset + at, "bad pax record length");
            }
            if (length <= space - at || at + length > data.length) {
                throw new DatasetFormatException(archive, offset + at, "pax record of length " + length + " overruns its header");
            }
            String record = new String(data, space + 1, at + length - space - 2, StandardCharsets.UTF_8);
            if (record.startsWith("path=")) {
                path = record.substring(5);
            }
            at += length;
        }
        return path;
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
