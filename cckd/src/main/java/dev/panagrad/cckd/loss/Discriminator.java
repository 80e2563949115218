package dev.panagrad.cckd.loss;

import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.Module;
import dev.panagrad.nn.layers.BatchNorm1d;
import dev.panagrad.nn.layers.Linear;
import dev.panagrad.nn.layers.ReLU;
import dev.panagrad.nn.layers.Sequential;
import dev.panagrad.nn.loss.Losses;

/**
 * The adversarial baseline's discriminator: {@code FC(d x 64) + BN + ReLU + FC(64 x 2) + Sigmoid} on
 * embeddings, trained with binary cross-entropy to tell teacher (target [1, 0]) from student
 * ([0, 1]) features; the student is trained to make its features pass as the teacher's. The sigmoid
 * is folded into the loss ({@link Losses#bceWithLogits}) for stability; {@link #forward} returns the
 * two logits.
 */
public final class Discriminator extends Module {
    private final Sequential net;

    public Discriminator(int features, Rng rng) {
        net = registerModule("net", new Sequential(new Linear(features, 64, rng), new BatchNorm1d(64), new ReLU(),
                new Linear(64, 2, rng)));
    }

    @Override
    public Tensor forward(Tensor embeddings) {
        return net.forward(embeddings);
    }

    /** BCE of telling {@code teacher} (as [1, 0]) from {@code student} (as [0, 1]), both used as constants. */
    public Tensor discriminatorLoss(Tensor teacher, Tensor student) {
        int n = teacher.size(0);
        Tensor logits = forward(Tensor.concat(java.util.List.of(teacher.detach(), student.detach()), 0));
        return Losses.bceWithLogits(logits, targets(n, n));
    }

    /** BCE of {@code student} features being taken for the teacher's: the student's adversarial loss. */
    public Tensor generatorLoss(Tensor student) {
        return Losses.bceWithLogits(forward(student), targets(student.size(0), 0));
    }

    /** [teacherRows + studentRows, 2]: [1, 0] for the first rows, [0, 1] for the rest. */
    private static Tensor targets(int teacherRows, int studentRows) {
        float[] t = new float[2 * (teacherRows + studentRows)];
        for (int i = 0; i < teacherRows; i++) {
            t[2 * i] = 1f;
        }
        for (int i = teacherRows; i < teacherRows + studentRows; i++) {
            t[2 * i + 1] = 1f;
        }
        return Tensor.of(t, teacherRows + studentRows, 2);
    }
}
