package dev.panagrad.nn.data;

import dev.panagrad.nn.io.AtomicFile;
import dev.panagrad.engine.Rng;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Labelled images from a folder of class folders, the layout of torchvision's {@code ImageFolder}:
 * {@code DIR/train/<class>/...} and {@code DIR/test/<class>/...} (or, without {@code train/}, the class
 * folders in {@code DIR} itself). Every PNG, JPEG, BMP and GIF file under a class folder is an image of
 * that class; other files are ignored.
 *
 * <ul>
 *   <li>Images are decoded with {@code javax.imageio}, drawn onto {@code height x width} RGB with bilinear
 *       interpolation (grey images become three equal channels) and kept as bytes.</li>
 *   <li>Without {@code test/}, a seeded, class-stratified share of each class ({@link Options#testFraction})
 *       is held out; a class of one image stays in training.</li>
 *   <li>A file that does not decode is an error naming it, unless {@link Options#skipBadImages}: then it is
 *       left out and listed in {@link Loaded#skipped}.</li>
 *   <li>Decoded images are cached in {@code DIR/.panagrad-cache-HxW.bin}, keyed by a digest of every
 *       file's path, size and modification time (and the options that change what is decoded), so a
 *       second run does not decode again, and any change to the folder decodes afresh. A folder that
 *       cannot be written to is read without a cache.</li>
 * </ul>
 */
public final class ImageFolderReader {
    /** File extensions read as images, lower case. */
    public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif");
    private static final int CACHE_MAGIC = 0x50474943; // "PGIC"
    private static final int CACHE_VERSION = 1;

    private ImageFolderReader() {
    }

    /**
     * @param height        rows of every image after resizing
     * @param width         columns of every image after resizing
     * @param testFraction  share of each class held out for testing where there is no {@code test/}
     * @param seed          the held-out split's seed
     * @param skipBadImages leave out files that do not decode, instead of failing
     */
    public record Options(int height, int width, double testFraction, long seed, boolean skipBadImages) {
        public Options {
            if (height <= 0 || width <= 0) {
                throw new IllegalArgumentException("image size must be positive, got " + height + "x" + width);
            }
            if (!(testFraction > 0 && testFraction < 1)) {
                throw new IllegalArgumentException("test fraction must lie strictly between 0 and 1, got " + testFraction);
            }
        }
    }

    /** The images; the files left out as undecodable; whether they came from the cache. */
    public record Loaded(DatasetSplit split, List<Path> skipped, boolean fromCache) {
    }

    /** The images of one folder of class folders, in file order. */
    private record Decoded(int[] labels, byte[] pixels, List<Path> skipped) {
    }

    public static Loaded load(Path dir, Options options) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new DatasetUnavailableException("image folder " + dir + " does not exist; expected " + dir
                    + "/train/<class>/<image> (and optionally " + dir + "/test/<class>/<image>)", null);
        }
        Path trainDir = Files.isDirectory(dir.resolve("train")) ? dir.resolve("train") : dir;
        Path testDir = Files.isDirectory(dir.resolve("test")) ? dir.resolve("test") : null;
        List<String> classes = classFolders(trainDir);
        if (classes.isEmpty()) {
            throw new DatasetFormatException(trainDir, "no class folders (expected " + trainDir + "/<class>/<image>)");
        }
        List<List<Path>> trainFiles = imageFiles(trainDir, classes);
        List<List<Path>> testFiles = null;
        if (testDir != null) {
            for (String c : classFolders(testDir)) {
                if (!classes.contains(c)) {
                    throw new DatasetFormatException(testDir.resolve(c), "class '" + c + "' has no folder in " + trainDir);
                }
            }
            testFiles = imageFiles(testDir, classes);
        }
        byte[] key = fingerprint(dir, options, trainFiles, testFiles);
        Path cache = dir.resolve(".panagrad-cache-" + options.height() + "x" + options.width() + ".bin");
        Decoded train;
        Decoded test;
        boolean fromCache = false;
        Decoded[] cached = readCache(cache, key, options);
        if (cached != null) {
            train = cached[0];
            test = cached[1];
            fromCache = true;
        } else {
            train = decode(trainFiles, options);
            test = testFiles == null ? null : decode(testFiles, options);
            writeCache(cache, key, options, train, test);
        }
        if (train.labels().length == 0) {
            throw new DatasetFormatException(trainDir, "no " + String.join(", ", EXTENSIONS.stream().sorted().toList())
                    + " images that decode under its class folders");
        }
        List<Path> skipped = new ArrayList<>(train.skipped());
        if (test != null) {
            skipped.addAll(test.skipped());
        }
        int h = options.height();
        int w = options.width();
        String what = ", " + h + "x" + w + " RGB";
        DatasetSplit split;
        if (test != null) {
            split = new DatasetSplit(
                    new ImageDataset("folder-train", "images from " + trainDir + what, classes, List.of(), 3, h, w,
                            train.pixels(), train.labels(), null),
                    new ImageDataset("folder-test", "images from " + testDir + what, classes, List.of(), 3, h, w,
                            test.pixels(), test.labels(), null));
        } else {
            String note = String.format(Locale.ROOT, ", %.0f%% of each class held out for testing (seed %d)",
                    100 * options.testFraction(), options.seed());
            ImageDataset all = new ImageDataset("folder", "images from " + trainDir + what + note, classes, List.of(), 3,
                    h, w, train.pixels(), train.labels(), null);
            split = holdOut(all, options.testFraction(), options.seed());
        }
        return new Loaded(split, List.copyOf(skipped), fromCache);
    }

    /**
     * Splits each class at random (seeded): {@code round(fraction n)} of its n images for testing, at least
     * one where {@code n >= 2} and never all of them.
     */
    static DatasetSplit holdOut(ImageDataset all, double fraction, long seed) {
        ClassIndex index = all.classIndex();
        Rng rng = new Rng(seed);
        List<Integer> train = new ArrayList<>();
        List<Integer> test = new ArrayList<>();
        for (int c = 0; c < all.numClasses(); c++) {
            int[] members = index.members(c).clone();
            rng.shuffle(members);
            int n = members.length;
            int held = n < 2 ? 0 : Math.min(n - 1, Math.max(1, (int) Math.round(fraction * n)));
            for (int i = 0; i < n; i++) {
                (i < held ? test : train).add(members[i]);
            }
        }
        int[] tr = train.stream().mapToInt(Integer::intValue).sorted().toArray();
        int[] te = test.stream().mapToInt(Integer::intValue).sorted().toArray();
        return new DatasetSplit(all.subset(tr, "folder-train"), all.subset(te, "folder-test"));
    }

    /** Names of the visible sub-folders, sorted: the classes, numbered in that order. */
    private static List<String> classFolders(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("."))
                    .sorted().toList();
        }
    }

    /** Per class (in the order of {@code classes}), its image files under {@code dir/<class>}, sorted. */
    private static List<List<Path>> imageFiles(Path dir, List<String> classes) throws IOException {
        List<List<Path>> files = new ArrayList<>();
        for (String c : classes) {
            Path folder = dir.resolve(c);
            if (!Files.isDirectory(folder)) {
                files.add(List.of());
                continue;
            }
            try (Stream<Path> s = Files.walk(folder)) {
                files.add(s.filter(Files::isRegularFile).filter(ImageFolderReader::isImage).sorted().toList());
            }
        }
        return files;
    }

    private static boolean isImage(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return !name.startsWith(".") && dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static Decoded decode(List<List<Path>> files, Options o) throws IOException {
        int size = 3 * o.height() * o.width();
        int total = files.stream().mapToInt(List::size).sum();
        byte[] pixels = new byte[total * size];
        int[] labels = new int[total];
        List<Path> skipped = new ArrayList<>();
        int n = 0;
        for (int c = 0; c < files.size(); c++) {
            for (Path f : files.get(c)) {
                BufferedImage img;
                String problem;
                try {
                    img = ImageIO.read(f.toFile());
                    problem = img == null ? "not a PNG, JPEG, BMP or GIF image that javax.imageio can decode" : null;
                } catch (IOException | RuntimeException e) {
                    img = null;
                    problem = "cannot decode image: " + e.getMessage();
                }
                if (problem != null) {
                    if (!o.skipBadImages()) {
                        throw new DatasetFormatException(f, problem + " (--skip-bad-images leaves such files out)");
                    }
                    skipped.add(f);
                    continue;
                }
                resize(img, o.height(), o.width(), pixels, n * size);
                labels[n++] = c;
            }
        }
        return new Decoded(Arrays.copyOf(labels, n), Arrays.copyOf(pixels, n * size), List.copyOf(skipped));
    }

    /** Draws {@code img} onto h x w RGB (bilinear) and writes its pixels, CHW, at {@code dst[offset..]}. */
    static void resize(BufferedImage img, int h, int w, byte[] dst, int offset) {
        BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(img, 0, 0, w, h, null);
        } finally {
            g.dispose();
        }
        int plane = h * w;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = rgb.getRGB(x, y);
                int i = offset + y * w + x;
                dst[i] = (byte) (p >> 16);
                dst[i + plane] = (byte) (p >> 8);
                dst[i + 2 * plane] = (byte) p;
            }
        }
    }

    /** SHA-256 of the options that change decoding and of every file's path, size and modification time. */
    private static byte[] fingerprint(Path dir, Options o, List<List<Path>> train, List<List<Path>> test)
            throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        md.update((o.height() + "x" + o.width() + " skip=" + o.skipBadImages() + "\n").getBytes(StandardCharsets.UTF_8));
        for (List<List<Path>> part : Arrays.asList(train, test)) {
            if (part == null) {
                md.update("no test\n".getBytes(StandardCharsets.UTF_8));
                continue;
            }
            for (int c = 0; c < part.size(); c++) {
                for (Path f : part.get(c)) {
                    String line = c + " " + dir.relativize(f) + " " + Files.size(f) + " "
                            + Files.getLastModifiedTime(f).toMillis() + "\n";
                    md.update(line.getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        return md.digest();
    }

    /** The cached train and test parts (test null where there is no test folder), or null if stale or unreadable. */
    private static Decoded[] readCache(Path cache, byte[] key, Options o) {
        if (!Files.isRegularFile(cache)) {
            return null;
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(cache)))) {
            if (in.readInt() != CACHE_MAGIC || in.readInt() != CACHE_VERSION) {
                return null;
            }
            byte[] stored = new byte[key.length];
            in.readFully(stored);
            if (!Arrays.equals(stored, key) || in.readInt() != o.height() || in.readInt() != o.width()) {
                return null;
            }
            Decoded train = readPart(in, o, cache);
            Decoded test = in.readBoolean() ? readPart(in, o, cache) : null;
            return new Decoded[] {train, test};
        } catch (IOException | RuntimeException e) {
            return null; // a damaged cache is decoded afresh
        }
    }

    private static Decoded readPart(DataInputStream in, Options o, Path cache) throws IOException {
        int n = in.readInt();
        int size = 3 * o.height() * o.width();
        if (n < 0 || (long) n * size > Integer.MAX_VALUE - 8) {
            throw new DatasetFormatException(cache, "image count " + n + " out of range");
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = in.readInt();
        }
        byte[] pixels = new byte[n * size];
        in.readFully(pixels);
        int skippedCount = in.readInt();
        List<Path> skipped = new ArrayList<>();
        for (int i = 0; i < skippedCount; i++) {
            skipped.add(Path.of(in.readUTF()));
        }
        return new Decoded(labels, pixels, List.copyOf(skipped));
    }

    /** Writes the cache through a temporary file, so a crash never leaves half a cache; quietly skips a read-only folder. */
    private static void writeCache(Path cache, byte[] key, Options o, Decoded train, Decoded test) {
        try {
            AtomicFile.write(cache, stream -> {
                DataOutputStream out = new DataOutputStream(stream);
                out.writeInt(CACHE_MAGIC);
                out.writeInt(CACHE_VERSION);
                out.write(key);
                out.writeInt(o.height());
                out.writeInt(o.width());
                writePart(out, train);
                out.writeBoolean(test != null);
                if (test != null) {
                    writePart(out, test);
                }
                out.flush();
            });
        } catch (IOException e) {
            // the folder is read-only or gone: AtomicFile left nothing behind, and the next run decodes again
        }
    }

    private static void writePart(DataOutputStream out, Decoded d) throws IOException {
        out.writeInt(d.labels().length);
        for (int label : d.labels()) {
            out.writeInt(label);
        }
        out.write(d.pixels());
        out.writeInt(d.skipped().size());
        for (Path p : d.skipped()) {
            out.writeUTF(p.toString());
        }
    }
}
