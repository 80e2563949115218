package dev.panagrad.nn.data;

/** The training and test parts of a dataset. */
public record DatasetSplit(ImageDataset train, ImageDataset test) {
}
