package dev.panagrad.cckd.train;

import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.Module;
import dev.panagrad.nn.layers.Identity;
import dev.panagrad.nn.layers.Linear;

/**
 * Maps the student's and the teacher's pooled embeddings into one space for the embedding losses (CC,
 * L2-mimic, the discriminator). Only the student side trains: a trainable projection on both sides
 * lets them agree on a collapsed embedding and the loss vanish.
 *
 * <ul>
 *   <li>{@link Kind#AUTO}: the identity when the widths match, else a trainable linear map from the
 *       student's width to the teacher's;</li>
 *   <li>{@link Kind#PROJECT}: that trainable map always;</li>
 *   <li>{@link Kind#D256}: the paper's 256-d embeddings: a trainable map of the student to 256 and a
 *       fixed, seeded random map of the teacher to 256 (a random projection keeps inner products
 *       approximately, so the teacher's correlations survive).</li>
 * </ul>
 */
public final class EmbeddingHead extends Module {
    /** How the two embeddings are brought together. */
    public enum Kind { AUTO, PROJECT, D256 }

    private final Module student;
    private final Module teacher;

    public EmbeddingHead(Kind kind, int studentWidth, int teacherWidth, Rng rng) {
        switch (kind) {
            case AUTO, PROJECT -> {
                student = studentWidth == teacherWidth && kind == Kind.AUTO ? new Identity()
                        : new Linear(studentWidth, teacherWidth, false, rng);
                teacher = new Identity();
            }
            case D256 -> {
                student = new Linear(studentWidth, 256, false, rng);
                Linear fixed = new Linear(teacherWidth, 256, false, rng);
                fixed.weight().requiresGrad(false);
                teacher = fixed;
            }
            default -> throw new IllegalArgumentException("embedding head: " + kind);
        }
        registerModule("student", student);
        registerModule("teacher", teacher);
    }

    /** The student's embedding in the shared space. */
    @Override
    public Tensor forward(Tensor studentEmbedding) {
        return student.forward(studentEmbedding);
    }

    /** The teacher's embedding in the shared space (a constant). */
    public Tensor teacher(Tensor teacherEmbedding) {
        return teacher.forward(teacherEmbedding).detach();
    }

    /** The trainable tensors (none when both sides are identities). */
    public java.util.List<Tensor> trainable() {
        return student.parameters();
    }
}
