package dev.panagrad.examples;

import dev.panagrad.cckd.train.EmbeddingHead;
import dev.panagrad.nn.optim.LrSchedule;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every setting of one teacher-to-student comparison, after the preset and the command-line options
 * have been combined.
 *
 * @param milestones  epochs at which the learning rate drops by 10 (full preset); empty means cosine decay
 * @param beta        weight of the CC term on its mean-over-n^2 reduction
 * @param sampler     ur, cur or sur for the students; "auto" means ur for ce/kd and cur for cckd
 * @param k           samples per class (or superclass) in a CUR/SUR batch
 * @param clusters    SUR superclasses
 * @param embedding   how the embedding losses bring student and teacher embeddings together (the reid
 *                    preset: the paper's 256-d heads)
 */
public record ExperimentPlan(String preset, String teacherModel, String studentModel, int teacherEpochs,
                             int studentEpochs, int trainSize, int testSize, int batchSize, double lr, int[] milestones,
                             double weightDecay, float tau, float alpha, float beta, String sampler, int k, int clusters,
                             EmbeddingHead.Kind embedding, long seed) {

    public ExperimentPlan {
        if (trainSize < batchSize) {
            throw new IllegalArgumentException("the training set has " + trainSize + " images, fewer than one batch of "
                    + batchSize + " (preset " + preset + "): every epoch would train on nothing; use more images");
        }
    }

    /** Whether the report leads with retrieval (rank-k, mAP) rather than classification accuracy. */
    public boolean retrievalFirst() {
        return preset.equals("reid");
    }

    /** The learning rate per epoch of a run of {@code epochs}. */
    public LrSchedule schedule(int epochs) {
        if (milestones.length > 0) {
            return LrSchedule.multiStep(lr, 0.1, milestones);
        }
        return LrSchedule.cosine(lr, Math.max(1, epochs), 0);
    }

    /** The settings, for config.json and the report. */
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("preset", preset);
        m.put("teacher", teacherModel);
        m.put("student", studentModel);
        m.put("teacher_epochs", teacherEpochs);
        m.put("student_epochs", studentEpochs);
        m.put("train_size", trainSize);
        m.put("test_size", testSize);
        m.put("batch_size", batchSize);
        m.put("lr", lr);
        m.put("lr_schedule", milestones.length > 0 ? "multistep x0.1 at " + java.util.Arrays.toString(milestones) : "cosine");
        m.put("weight_decay", weightDecay);
        m.put("tau", (double) tau);
        m.put("alpha_ce", (double) alpha);
        m.put("beta_cc", (double) beta);
        m.put("sampler", sampler);
        m.put("k", k);
        m.put("clusters", clusters);
        m.put("embedding_head", embedding.name().toLowerCase(java.util.Locale.ROOT));
        m.put("seed", seed);
        return m;
    }
}
