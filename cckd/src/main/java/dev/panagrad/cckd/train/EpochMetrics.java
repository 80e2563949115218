package dev.panagrad.cckd.train;

import java.util.Map;

/**
 * What one epoch of distillation measured.
 *
 * @param losses          mean of each loss term over the epoch's batches, by name (ce, kd, cc, at, ...; total)
 * @param trainTop1       accuracy of the student on its training batches, as they were seen
 * @param imagesPerSecond training images per second (forward, backward and update; evaluation excluded)
 * @param student         embedding structure of the student on the evaluation subset of the test images
 * @param teacher         the teacher's, or null without a teacher
 * @param studentRetrieval retrieval by the student's embeddings on the same subset
 * @param teacherRetrieval the teacher's, or null without a teacher
 */
public record EpochMetrics(int epoch, double lr, Map<String, Double> losses, double trainTop1, double testTop1,
                           double testTop5, double imagesPerSecond, double seconds, EmbeddingStructure student,
                           EmbeddingStructure teacher, Retrieval studentRetrieval, Retrieval teacherRetrieval) {
}
