package dev.panagrad.nn.io;

import dev.panagrad.engine.io.Json;
import dev.panagrad.engine.Shape;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.backend.Storage;
import dev.panagrad.nn.DType;
import dev.panagrad.nn.StateDict;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header mapping each name to
 * {@code {"dtype", "shape", "data_offsets"}} (plus string {@code __metadata__}), then the raw
 * little-endian data. PyTorch, NumPy and others read it with no code execution.
 *
 * <p>Writing is atomic: a temporary file in the target's folder, flushed to disk, then renamed over
 * the target, so a reader sees the old file or the new one, never half of one. The metadata key
 * {@value #CRC_KEY} holds the CRC-32 of the data section; reading checks it when present, along with
 * the header's structure, dtypes, shapes and offsets.
 */
public final class SafeTensors {
    /** Metadata key of the data section's CRC-32, in hexadecimal. */
    public static final String CRC_KEY = "panagrad.crc32";
    /** Largest header accepted: far above any model's, far below memory trouble. */
    static final long MAX_HEADER = 64L << 20;

    private SafeTensors() {
    }

    /** What a file holds. */
    public record Contents(StateDict tensors, Map<String, String> metadata) {
    }

    /** Writes {@code tensors} and {@code metadata} to {@code file}, atomically. */
    public static void write(Path file, StateDict tensors, Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        long offset = 0;
        for (Map.Entry<String, StateDict.Entry> e : tensors.entries().entrySet()) {
            Tensor t = e.getValue().tensor();
            long bytes = (long) t.numel() * e.getValue().dtype().bytes();
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", e.getValue().dtype().name());
            List<Object> shape = new ArrayList<>();
            for (int d : t.dims()) {
                shape.add((long) d);
            }
            info.put("shape", shape);
            info.put("data_offsets", List.of(offset, offset + bytes));
            header.put(e.getKey(), info);
            offset += bytes;
        }
        ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(offset)).order(ByteOrder.LITTLE_ENDIAN);
        for (StateDict.Entry e : tensors.entries().values()) {
            float[] v = e.tensor().toArray();
            if (e.dtype() == DType.I64) {
                for (float x : v) {
                    data.putLong((long) x);
                }
            } else {
                data.asFloatBuffer().put(v);
                data.position(data.position() + 4 * v.length);
            }
        }
        data.flip();
        CRC32 crc = new CRC32();
        crc.update(data.duplicate());
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put(CRC_KEY, Long.toHexString(crc.getValue()));
        header.put("__metadata__", meta);
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        AtomicFile.write(file, head, data);
    }

    /**
     * Reads and validates a file.
     *
     * @throws CheckpointFormatException naming the file and offset of the first problem found
     */
    public static Contents read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null, "checkpoint file not found");
        }
        long size = Files.size(file);
        if (size < 8) {
            throw new CheckpointFormatException(file, 0, "file of " + size + " bytes is too short for the 8-byte header length");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen < 2 || headerLen > MAX_HEADER || headerLen > size - 8) {
                throw new CheckpointFormatException(file, 0, "header length " + Long.toUnsignedString(headerLen)
                        + " does not fit a file of " + size + " bytes");
            }
            ByteBuffer headBuf = ByteBuffer.allocate((int) headerLen);
            readFully(ch, headBuf, 8);
            String json;
            try {
                json = StandardCharsets.UTF_8.newDecoder().decode(headBuf.flip()).toString();
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new CheckpointFormatException(file, 8, "header is not valid UTF-8 text");
            }
            Map<String, Object> header;
            try {
                header = Json.parseObject(json);
            } catch (IllegalArgumentException e) {
                throw new CheckpointFormatException(file, 8, "header is not valid JSON: " + e.getMessage());
            }
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            Map<String, String> metadata = metadata(file, header.remove("__metadata__"));
            List<Layout> layouts = new ArrayList<>();
            for (Map.Entry<String, Object> e : header.entrySet()) {
                layouts.add(layout(file, e.getKey(), e.getValue(), dataLen));
            }
            checkCoverage(file, layouts, dataStart, dataLen);
            ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(dataLen)).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, data, dataStart);
            data.flip();
            String expectedCrc = metadata.get(CRC_KEY);
            if (expectedCrc != null) {
                CRC32 crc = new CRC32();
                crc.update(data.duplicate());
                if (!Long.toHexString(crc.getValue()).equals(expectedCrc)) {
                    throw new CheckpointFormatException(file, dataStart, "data CRC-32 is "
                            + Long.toHexString(crc.getValue()) + ", the header says " + expectedCrc + ": the file is corrupt");
                }
            }
            StateDict tensors = new StateDict();
            for (Layout l : layouts) {
                float[] v = new float[l.shape.numel()];
                ByteBuffer slice = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
                slice.position((int) l.begin);
                if (l.dtype == DType.I64) {
                    for (int i = 0; i < v.length; i++) {
                        v[i] = slice.getLong();
                    }
                } else {
                    slice.asFloatBuffer().get(v);
                }
                tensors.put(l.name, Tensor.fromStorage(Storage.wrap(v), l.shape), l.dtype);
            }
            return new Contents(tensors, metadata);
        }
    }

    private record Layout(String name, DType dtype, Shape shape, long begin, long end) {
    }

    private static Map<String, String> metadata(Path file, Object raw) throws CheckpointFormatException {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null) {
            return out;
        }
        if (!(raw instanceof Map<?, ?> m)) {
            throw new CheckpointFormatException(file, 8, "__metadata__ is not an object");
        }
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new CheckpointFormatException(file, 8, "__metadata__ value of '" + e.getKey() + "' is not a string");
            }
            out.put((String) e.getKey(), s);
        }
        return out;
    }

    private static Layout layout(Path file, String name, Object raw, long dataLen) throws CheckpointFormatException {
        if (!(raw instanceof Map<?, ?> info)) {
            throw new CheckpointFormatException(file, 8, "entry '" + name + "' is not an object");
        }
        DType dtype;
        try {
            dtype = DType.valueOf(String.valueOf(info.get("dtype")));
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(file, 8, "entry '" + name + "' has dtype " + info.get("dtype")
                    + "; supported: F32, I64 (convert other types when exporting)");
        }
        if (!(info.get("shape") instanceof List<?> shapeList) || !(info.get("data_offsets") instanceof List<?> offsets)
                || offsets.size() != 2) {
            throw new CheckpointFormatException(file, 8, "entry '" + name + "' lacks a shape list or two data_offsets");
        }
        int[] dims = new int[shapeList.size()];
        long numel = 1;
        for (int i = 0; i < dims.length; i++) {
            if (!(shapeList.get(i) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE) {
                throw new CheckpointFormatException(file, 8, "entry '" + name + "' has an invalid shape " + shapeList);
            }
            dims[i] = (int) (long) d;
            numel *= d;
            if (numel > Integer.MAX_VALUE) {
                throw new CheckpointFormatException(file, 8, "entry '" + name + "' shape " + shapeList + " is too large");
            }
        }
        if (!(offsets.get(0) instanceof Long begin) || !(offsets.get(1) instanceof Long end)) {
            throw new CheckpointFormatException(file, 8, "entry '" + name + "' has non-integer data_offsets");
        }
        if (begin < 0 || end < begin || end > dataLen) {
            throw new CheckpointFormatException(file, 8, "entry '" + name + "' data_offsets [" + begin + ", " + end
                    + "] lie outside the data section of " + dataLen + " bytes (the file may be truncated)");
        }
        if (end - begin != numel * dtype.bytes()) {
            throw new CheckpointFormatException(file, 8, "entry '" + name + "' holds " + (end - begin) + " bytes, its "
                    + dtype + " shape " + shapeList + " needs " + numel * dtype.bytes());
        }
        return new Layout(name, dtype, Shape.of(dims), begin, end);
    }

    /** Entries must tile the data section exactly, without gaps or overlaps, as the format requires. */
    private static void checkCoverage(Path file, List<Layout> layouts, long dataStart, long dataLen)
            throws CheckpointFormatException {
        List<Layout> sorted = new ArrayList<>(layouts);
        sorted.sort((a, b) -> Long.compare(a.begin, b.begin));
        long at = 0;
        for (Layout l : sorted) {
            if (l.begin != at) {
                throw new CheckpointFormatException(file, dataStart + Math.min(at, l.begin), "entry '" + l.name
                        + "' starts at data offset " + l.begin + ", expected " + at + " (entries overlap or leave a gap)");
            }
            at = l.end;
        }
        if (at != dataLen) {
            throw new CheckpointFormatException(file, dataStart + at, "data section has " + dataLen
                    + " bytes, the entries cover " + at + " (the file is truncated or has trailing bytes)");
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new java.io.EOFException("unexpected end of file at offset " + pos);
            }
            pos += n;
        }
    }
}
