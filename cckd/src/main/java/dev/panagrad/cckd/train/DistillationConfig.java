package dev.panagrad.cckd.train;

import dev.panagrad.cckd.loss.AttentionTransfer;
import dev.panagrad.cckd.loss.CorrelationKernel;
import dev.panagrad.nn.optim.LrSchedule;

/**
 * Settings of one distillation run. Defaults follow the common CIFAR-100 recipe (SGD, momentum 0.9,
 * weight decay 5e-4, lr 0.05, batch 64; KD with tau = 4 and weights CE 0.1 / KD 0.9) and the paper
 * for CC (Gaussian-Taylor kernel, P = 2, gamma = 0.4).
 *
 * @param alpha      weight of CE in KD and CCKD; KD gets 1 - alpha
 * @param beta       weight of the CC term (the loss is a mean over the n x n matrix)
 * @param schedule   learning rate per epoch
 * @param atStages   how many of the last stages attention transfer uses
 * @param auxWeight  weight of the adversarial or L2-mimic term
 */
public record DistillationConfig(Method method, int epochs, int batchSize, LrSchedule schedule, double momentum,
                                 double weightDecay, float alpha, float tau, float beta, CorrelationKernel kernel,
                                 EmbeddingHead.Kind embedding, float atBeta, int atStages, float auxWeight, long seed) {

    public DistillationConfig {
        if (epochs < 1 || batchSize < 1) {
            throw new IllegalArgumentException("distillation: epochs and batch size must be positive");
        }
        if (alpha < 0 || alpha > 1) {
            throw new IllegalArgumentException("distillation: alpha must be in [0, 1], got " + alpha);
        }
    }

    /** The defaults above for {@code method}, {@code epochs} epochs of a constant learning rate 0.05. */
    public static DistillationConfig defaults(Method method, int epochs) {
        return new DistillationConfig(method, epochs, 64, LrSchedule.constant(0.05), 0.9, 5e-4, 0.1f, 4f, 0.003f,
                CorrelationKernel.defaultKernel(), EmbeddingHead.Kind.AUTO, AttentionTransfer.DEFAULT_BETA, 2, 1f, 0);
    }

    public DistillationConfig withSchedule(LrSchedule s) {
        return new DistillationConfig(method, epochs, batchSize, s, momentum, weightDecay, alpha, tau, beta, kernel, embedding,
                atBeta, atStages, auxWeight, seed);
    }

    public DistillationConfig withBatchSize(int b) {
        return new DistillationConfig(method, epochs, b, schedule, momentum, weightDecay, alpha, tau, beta, kernel, embedding,
                atBeta, atStages, auxWeight, seed);
    }

    public DistillationConfig withBeta(float b) {
        return new DistillationConfig(method, epochs, batchSize, schedule, momentum, weightDecay, alpha, tau, b, kernel,
                embedding, atBeta, atStages, auxWeight, seed);
    }

    public DistillationConfig withKernel(CorrelationKernel k) {
        return new DistillationConfig(method, epochs, batchSize, schedule, momentum, weightDecay, alpha, tau, beta, k,
                embedding, atBeta, atStages, auxWeight, seed);
    }

    public DistillationConfig withEmbedding(EmbeddingHead.Kind e) {
        return new DistillationConfig(method, epochs, batchSize, schedule, momentum, weightDecay, alpha, tau, beta, kernel, e,
                atBeta, atStages, auxWeight, seed);
    }

    public DistillationConfig withWeights(float alphaValue, float tauValue) {
        return new DistillationConfig(method, epochs, batchSize, schedule, momentum, weightDecay, alphaValue, tauValue, beta,
                kernel, embedding, atBeta, atStages, auxWeight, seed);
    }

    public DistillationConfig withSeed(long s) {
        return new DistillationConfig(method, epochs, batchSize, schedule, momentum, weightDecay, alpha, tau, beta, kernel,
                embedding, atBeta, atStages, auxWeight, s);
    }

    public DistillationConfig withWeightDecay(double wd) {
        return new DistillationConfig(method, epochs, batchSize, schedule, momentum, wd, alpha, tau, beta, kernel, embedding,
                atBeta, atStages, auxWeight, seed);
    }
}
