package dev.panagrad.nn.data;

import java.util.List;

/**
 * Labelled images held as bytes: {@code size()} images of {@code channels x height x width} pixels in
 * CHW order, values 0..255, with a class label each and optionally a coarse (superclass) label, as
 * CIFAR-100 has. {@link #description()} says where the data came from; generated data says so.
 */
public final class ImageDataset {
    private final String name;
    private final String description;
    private final List<String> classNames;
    private final List<String> coarseNames;
    private final int channels;
    private final int height;
    private final int width;
    private final byte[] pixels;
    private final int[] labels;
    private final int[] coarseLabels;

    /**
     * @param coarseLabels null when the data has no superclasses (then {@code coarseNames} is empty)
     */
    public ImageDataset(String name, String description, List<String> classNames, List<String> coarseNames,
                        int channels, int height, int width, byte[] pixels, int[] labels, int[] coarseLabels) {
        int imageSize = channels * height * width;
        if (imageSize <= 0 || pixels.length != (long) labels.length * imageSize) {
            throw new IllegalArgumentException(name + ": " + pixels.length + " pixel bytes for " + labels.length
                    + " images of " + channels + " x " + height + " x " + width);
        }
        if (coarseLabels != null && coarseLabels.length != labels.length) {
            throw new IllegalArgumentException(name + ": " + coarseLabels.length + " coarse labels for " + labels.length
                    + " images");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classNames.size()) {
                throw new IllegalArgumentException(name + ": label " + labels[i] + " of image " + i + " is out of range for "
                        + classNames.size() + " classes");
            }
        }
        this.name = name;
        this.description = description;
        this.classNames = List.copyOf(classNames);
        this.coarseNames = List.copyOf(coarseNames);
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.pixels = pixels;
        this.labels = labels;
        this.coarseLabels = coarseLabels;
    }

    /** Short name, such as {@code cifar100-train}. */
    public String name() {
        return name;
    }

    /** Where the images come from, for logs and reports. */
    public String description() {
        return description;
    }

    public int size() {
        return labels.length;
    }

    public int channels() {
        return channels;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** Values per image: channels x height x width. */
    public int imageSize() {
        return channels * height * width;
    }

    public int numClasses() {
        return classNames.size();
    }

    public List<String> classNames() {
        return classNames;
    }

    /** Superclass names; empty when there are none. */
    public List<String> coarseNames() {
        return coarseNames;
    }

    public int label(int i) {
        return labels[i];
    }

    /** The superclass of image {@code i}; only when {@link #hasCoarseLabels()}. */
    public int coarseLabel(int i) {
        if (coarseLabels == null) {
            throw new IllegalStateException(name + " has no coarse labels");
        }
        return coarseLabels[i];
    }

    public boolean hasCoarseLabels() {
        return coarseLabels != null;
    }

    /** Raw pixel value (0..255) of image {@code i} at flat CHW position {@code p}. */
    public int pixel(int i, int p) {
        return pixels[i * imageSize() + p] & 0xFF;
    }

    /** Writes image {@code i} scaled to [0, 1] into {@code dst} from {@code offset}, CHW. */
    public void copyImage(int i, float[] dst, int offset) {
        int n = imageSize();
        int src = i * n;
        for (int p = 0; p < n; p++) {
            dst[offset + p] = (pixels[src + p] & 0xFF) * (1f / 255f);
        }
    }

    /** The images {@code indices}, in that order, as a new dataset sharing the class names. */
    public ImageDataset subset(int[] indices, String subsetName) {
        int n = imageSize();
        byte[] px = new byte[indices.length * n];
        int[] lab = new int[indices.length];
        int[] coarse = coarseLabels == null ? null : new int[indices.length];
        for (int j = 0; j < indices.length; j++) {
            System.arraycopy(pixels, indices[j] * n, px, j * n, n);
            lab[j] = labels[indices[j]];
            if (coarse != null) {
                coarse[j] = coarseLabels[indices[j]];
            }
        }
        return new ImageDataset(subsetName, description + ", subset of " + indices.length, classNames, coarseNames,
                channels, height, width, px, lab, coarse);
    }

    /** Per-class lists of image indices. */
    public ClassIndex classIndex() {
        return new ClassIndex(labels.clone(), numClasses());
    }

    @Override
    public String toString() {
        return name + " (" + size() + " images, " + channels + "x" + height + "x" + width + ", " + numClasses()
                + " classes; " + description + ")";
    }
}
