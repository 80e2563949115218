package dev.panagrad.nn.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The IDX format of MNIST and Fashion-MNIST, raw or gzip-compressed (recognised by its magic bytes):
 * a big-endian magic {@code 00 00 08 nd} (unsigned bytes, nd dimensions), nd big-endian 32-bit sizes,
 * then the values. Memory grows with the data actually read, so a forged size cannot exhaust it.
 */
public final class IdxReader {
    private static final int UNSIGNED_BYTE = 0x08;

    private IdxReader() {
    }

    /** An n-dimensional array of unsigned bytes. */
    public record IdxArray(int[] dims, byte[] data) {
    }

    /** Reads a file holding {@code expectedDims} dimensions of unsigned bytes. */
    public static IdxArray read(Path file, int expectedDims) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "IDX file not found");
        }
        boolean gzip = isGzip(file);
        long fileSize = Files.size(file);
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new BufferedInputStream(gzip ? new GZIPInputStream(raw, 1 << 16) : raw,
                     1 << 16))) {
            String where = gzip ? " of the decompressed stream" : "";
            int magic;
            try {
                magic = in.readInt();
            } catch (EOFException e) {
                throw new DatasetFormatException(file, 0, "file ends before the 4-byte magic number" + where);
            }
            if ((magic >>> 16) != 0 || ((magic >>> 8) & 0xFF) != UNSIGNED_BYTE || (magic & 0xFF) != expectedDims) {
                throw new DatasetFormatException(file, 0, String.format("magic number 0x%08x%s is not an IDX file of "
                        + "unsigned bytes with %d dimensions (expected 0x%08x)", magic, where, expectedDims,
                        (UNSIGNED_BYTE << 8) | expectedDims));
            }
            int[] dims = new int[expectedDims];
            long count = 1;
            for (int d = 0; d < expectedDims; d++) {
                try {
                    dims[d] = in.readInt();
                } catch (EOFException e) {
                    throw new DatasetFormatException(file, 4 + 4L * d, "file ends inside the dimension sizes" + where);
                }
                if (dims[d] < 0) {
                    throw new DatasetFormatException(file, 4 + 4L * d, "negative dimension size " + dims[d] + where);
                }
                count *= dims[d];
            }
            long header = 4 + 4L * expectedDims;
            if (count > Integer.MAX_VALUE - 8) {
                throw new DatasetFormatException(file, 4, "dimensions " + Arrays.toString(dims) + where
                        + " describe more values than fit one array");
            }
            if (!gzip && fileSize - header != count) {
                throw new DatasetFormatException(file, Math.min(fileSize, header + count), "dimensions "
                        + Arrays.toString(dims) + " need " + count + " data bytes after the " + header
                        + "-byte header, the file has " + (fileSize - header)
                        + (fileSize - header < count ? " (truncated)" : " (trailing bytes)"));
            }
            byte[] data = readExactly(in, (int) count, file, header, where);
            if (in.read() >= 0) {
                throw new DatasetFormatException(file, header + count, "trailing bytes after the " + count
                        + " values" + where);
            }
            return new IdxArray(dims, data);
        } catch (ZipException e) {
            throw new DatasetFormatException(file, 0, "corrupt gzip data: " + e.getMessage());
        } catch (EOFException e) {
            // The inflater ran out of compressed input: a truncated .gz file (raw files end in our checks).
            throw new DatasetFormatException(file, fileSize, "gzip data ends early (truncated file): " + e.getMessage());
        }
    }

    /** Reads {@code count} bytes, growing the buffer as data arrives rather than trusting the header. */
    private static byte[] readExactly(InputStream in, int count, Path file, long header, String where) throws IOException {
        byte[] buf = new byte[Math.min(count, 1 << 20)];
        int have = 0;
        while (have < count) {
            if (have == buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(count, 2L * buf.length));
            }
            int n = in.read(buf, have, buf.length - have);
            if (n < 0) {
                throw new DatasetFormatException(file, header + have, "data ends after " + have + " of " + count
                        + " values" + where + " (truncated file)");
            }
            have += n;
        }
        return buf;
    }

    private static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }
}
