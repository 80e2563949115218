package dev.panagrad.nn.data;

import java.util.Arrays;

/** The images of each class, for samplers that draw a fixed number of images per class. */
public final class ClassIndex {
    private final int[][] members;
    private final int[] labels;

    /** Groups positions {@code 0..labels.length-1} by their label in {@code [0, classes)}. */
    public ClassIndex(int[] labels, int classes) {
        this.labels = labels.clone();
        int[] counts = new int[classes];
        for (int l : labels) {
            counts[l]++;
        }
        members = new int[classes][];
        for (int c = 0; c < classes; c++) {
            members[c] = new int[counts[c]];
        }
        int[] fill = new int[classes];
        for (int i = 0; i < labels.length; i++) {
            members[labels[i]][fill[labels[i]]++] = i;
        }
    }

    public int numClasses() {
        return members.length;
    }

    /** Number of images in all. */
    public int size() {
        return labels.length;
    }

    /** Indices of the images of class {@code c}, ascending (a copy). */
    public int[] members(int c) {
        return members[c].clone();
    }

    public int count(int c) {
        return members[c].length;
    }

    /** The class of image {@code i}. */
    public int label(int i) {
        return labels[i];
    }

    @Override
    public String toString() {
        return "ClassIndex" + Arrays.toString(Arrays.stream(members).mapToInt(m -> m.length).toArray());
    }
}
