package dev.panagrad.nn.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Writes files in the real dataset formats, for tests. */
final class DataFiles {
    private DataFiles() {
    }

    /** A CIFAR-100 record: coarse label, fine label, then 3072 pixel bytes (pixel p of image i = (i * 7 + p) mod 256). */
    static byte[] cifar100(int[] coarse, int[] fine) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < fine.length; i++) {
            out.write(coarse[i]);
            out.write(fine[i]);
            for (int p = 0; p < 3072; p++) {
                out.write((i * 7 + p) & 0xFF);
            }
        }
        return out.toByteArray();
    }

    static byte[] cifar10(int[] labels) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < labels.length; i++) {
            out.write(labels[i]);
            for (int p = 0; p < 3072; p++) {
                out.write((i * 3 + p) & 0xFF);
            }
        }
        return out.toByteArray();
    }

    /** An IDX file of unsigned bytes. */
    static byte[] idx(int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.putInt(0x0800 | dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(data);
        return b.array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    /** A gzip-compressed ustar archive of the given files (name to contents). */
    static byte[] tarGz(Map<String, byte[]> files) throws IOException {
        java.util.List<TarEntry> entries = new java.util.ArrayList<>();
        files.forEach((name, data) -> entries.add(new TarEntry(name, '0', data)));
        return tarGz(entries);
    }

    /** One tar entry: its header's name field (100 bytes at most), its type flag and its data. */
    record TarEntry(String name, char type, byte[] data) {
    }

    /** A gzip-compressed ustar archive of the entries, in order. */
    static byte[] tarGz(java.util.List<TarEntry> entries) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        for (TarEntry e : entries) {
            byte[] header = new byte[512];
            put(header, 0, e.name().length() > 100 ? e.name().substring(0, 100) : e.name());
            put(header, 100, "0000644");
            put(header, 108, "0000000");
            put(header, 116, "0000000");
            put(header, 124, String.format("%011o", e.data().length));
            put(header, 136, String.format("%011o", 0));
            header[156] = (byte) e.type();
            put(header, 257, "ustar");
            put(header, 263, "00");
            for (int i = 148; i < 156; i++) {
                header[i] = ' ';
            }
            int sum = 0;
            for (byte b : header) {
                sum += b & 0xFF;
            }
            put(header, 148, String.format("%06o", sum));
            header[154] = 0;
            tar.write(header);
            tar.write(e.data());
            tar.write(new byte[(512 - e.data().length % 512) % 512]);
        }
        tar.write(new byte[1024]);
        return gzip(tar.toByteArray());
    }

    private static void put(byte[] header, int at, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, header, at, b.length);
    }

    static Path write(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(bytes);
        }
        return file;
    }
}
