package dev.panagrad.engine.ops;

import dev.panagrad.engine.Autograd;
import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Shape;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.backend.Storage;
import dev.panagrad.engine.Backends;

/**
 * Batch normalisation over the channel dimension (1) of [N, C] or [N, C, ...], as {@code F.batch_norm}.
 * This is the op's definition; the three kernels below implement its lines. Per channel, over the
 * m = N x spatial values x_i of that channel:
 * <pre>
 * forward    mean = sum(x) / m,   var = sum((x - mean)^2) / m          batchNormStatistics (training)
 *            invStd = (var + eps)^-1/2,   xhat = (x - mean) invStd
 *            y = gamma xhat + beta = x scale + shift                  channelAffine
 *                with scale = gamma invStd,  shift = beta - mean scale
 * backward   dgamma = sum(dy xhat),   dbeta = sum(dy)                  batchNormBackward
 *            training:    dx = gamma invStd (dy - mean(dy) - xhat mean(dy xhat))
 *            evaluation:  dx = gamma invStd dy
 * </pre>
 * In training, mean and var depend on every x_i of the channel: d mean / d x_i = 1/m and
 * d var / d x_i = 2 (x_i - mean) / m. Carrying dy through them gives the two subtracted means, and
 * d xhat / d mean and d xhat / d var give no more terms. In evaluation, mean and var are running
 * statistics, constants, so batch norm is an affine map per channel.
 *
 * <p>Fused with the ReLU that follows it in every residual block ({@link #batchNormRelu}):
 * <pre>
 * forward    y = max(x scale + shift, 0)                                channelAffineRelu
 * backward   dy' = dy where y &gt; 0, else 0; then the batch-norm backward above on dy'
 *                                                                       batchNormReluBackward
 * </pre>
 * One pass writes y instead of two (affine, then ReLU over it), and backward never stores dy': the
 * kernel reads dy through the mask. The op saves x and y, as batch norm and an in-place ReLU did.
 */
public final class BatchNormalization {
    private BatchNormalization() {
    }

    /**
     * In training, normalises with this batch's mean and biased variance per channel and, when running
     * statistics are given, updates them in place: {@code running = (1 - momentum) running + momentum stat},
     * with the unbiased variance, as PyTorch. Otherwise normalises with the running statistics.
     *
     * @param weight gamma [C] or null (1); bias beta [C] or null (0)
     */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                   boolean training, float momentum, float eps) {
        return normalize("batchNorm", x, runningMean, runningVar, weight, bias, training, momentum, eps, false);
    }

    /**
     * {@code relu(batchNorm(x, ...))} in one op: the same arguments and statistics as {@link #batchNorm}, one
     * pass forward and one backward fewer (see the class comment).
     */
    public static Tensor batchNormRelu(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                       boolean training, float momentum, float eps) {
        return normalize("batchNormRelu", x, runningMean, runningVar, weight, bias, training, momentum, eps, true);
    }

    private static Tensor normalize(String op, Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight,
                                    Tensor bias, boolean training, float momentum, float eps, boolean relu) {
        checkShapes(op, x, runningMean, runningVar, weight, bias);
        int batch = x.size(0);
        int channels = x.size(1);
        int spatial = x.shape().product(2, x.rank());
        Backend be = Backends.current();
        Tensor mean;
        Tensor[] affine;
        if (training) {
            if (batch * spatial < 2) {
                throw new IllegalArgumentException(op + ": expected more than 1 value per channel when training, "
                        + "got input " + x.shape());
            }
            // The batch's mean and biased variance; running = (1 - momentum) running + momentum stat, the
            // variance unbiased (times n / (n - 1)); invStd, scale and shift as scaleAndShift: one backend call.
            Shape perChannel = Shape.of(channels); // each written in full
            mean = Tensor.empty(perChannel);
            Tensor var = Tensor.empty(perChannel);
            affine = new Tensor[] {Tensor.empty(perChannel), Tensor.empty(perChannel), Tensor.empty(perChannel)};
            boolean running = runningMean != null && runningVar != null;
            be.batchNormTraining(x.storage(), batch, channels, spatial, eps, momentum,
                    weight == null ? null : weight.storage(), bias == null ? null : bias.storage(),
                    running ? runningMean.storage() : null, running ? runningVar.storage() : null, mean.storage(),
                    var.storage(), affine[0].storage(), affine[1].storage(), affine[2].storage());
            if (running) {
                runningMean.storage().bumpVersion();
                runningVar.storage().bumpVersion();
            }
        } else {
            if (runningMean == null || runningVar == null) {
                throw new IllegalArgumentException(op + ": evaluation needs running statistics");
            }
            mean = runningMean.copy(); // backward reads it: a later update of the running mean must not show
            affine = scaleAndShift(mean, runningVar, weight, bias, eps);
        }
        Tensor invStd = affine[0];
        Tensor y = Tensor.empty(x.shape()); // written in full by the kernel
        if (relu) {
            be.channelAffineRelu(x.storage(), batch, channels, spatial, affine[1].storage(), affine[2].storage(),
                    y.storage());
        } else {
            be.channelAffine(x.storage(), batch, channels, spatial, affine[1].storage(), affine[2].storage(),
                    y.storage());
        }
        Tensor[] inputs = weight != null && bias != null ? new Tensor[] {x, weight, bias}
                : weight != null ? new Tensor[] {x, weight} : bias != null ? new Tensor[] {x, bias} : new Tensor[] {x};
        Tensor[] saved = relu ? new Tensor[] {x, y} : new Tensor[] {x};
        return Autograd.op(op, inputs).saves(saved).result(y, (g, needs) -> {
            // dgamma = sum(dy xhat), dbeta = sum(dy), dx = gamma invStd (dy - mean(dy) - xhat mean(dy xhat)) in
            // training, gamma invStd dy in evaluation: one kernel, three sums per channel.
            Tensor gx = needs[0] ? Tensor.empty(x.shape()) : null; // written in full by the kernel
            Tensor gGamma = weight != null ? Tensor.zeros(channels) : null;
            Tensor gBeta = bias != null ? Tensor.zeros(channels) : null;
            Storage gamma = weight == null ? null : weight.storage();
            Storage gxs = gx == null ? null : gx.storage();
            Storage gGammas = gGamma == null ? null : gGamma.storage();
            Storage gBetas = gBeta == null ? null : gBeta.storage();
            if (relu) { // the same with dy masked by y > 0, the ReLU's backward
                Backends.current().batchNormReluBackward(x.storage(), y.storage(), g.storage(), batch, channels,
                        spatial, mean.storage(), invStd.storage(), gamma, training, gxs, gGammas, gBetas);
            } else {
                Backends.current().batchNormBackward(x.storage(), g.storage(), batch, channels, spatial,
                        mean.storage(), invStd.storage(), gamma, training, gxs, gGammas, gBetas);
            }
            Tensor[] grads = new Tensor[inputs.length];
            grads[0] = gx;
            int i = 1;
            if (weight != null) {
                grads[i++] = gGamma;
            }
            if (bias != null) {
                grads[i] = gBeta;
            }
            return grads;
        });
    }

    /**
     * Evaluation-mode batch normalisation written over x ([N, C, ...]) with the running statistics, for
     * inference: a block whose intermediate no one else holds normalises it where it is, instead of
     * writing a new tensor. Returns a tensor over x's storage. Records no graph, so it refuses when
     * autograd is on and x, gamma or beta requires grad.
     *
     * @param weight gamma [C] or null (1); bias beta [C] or null (0)
     */
    public static Tensor batchNormEvalInPlace(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight,
                                              Tensor bias, float eps) {
        return evalInPlace("batchNormEvalInPlace", x, runningMean, runningVar, weight, bias, eps, false);
    }

    /** {@link #batchNormEvalInPlace} followed by ReLU, in the same pass. */
    public static Tensor batchNormReluEvalInPlace(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight,
                                                  Tensor bias, float eps) {
        return evalInPlace("batchNormReluEvalInPlace", x, runningMean, runningVar, weight, bias, eps, true);
    }

    private static Tensor evalInPlace(String op, Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight,
                                      Tensor bias, float eps, boolean relu) {
        checkShapes(op, x, runningMean, runningVar, weight, bias);
        if (runningMean == null || runningVar == null) {
            throw new IllegalArgumentException(op + ": evaluation needs running statistics");
        }
        if (Grad.isEnabled() && (x.requiresGrad() || weight != null && weight.requiresGrad()
                || bias != null && bias.requiresGrad())) {
            throw new IllegalStateException(op + ": input " + x.shape() + " or its parameters "
                    + "require grad and autograd is on; the backward of batch norm needs the input it would overwrite");
        }
        Tensor[] affine = scaleAndShift(runningMean, runningVar, weight, bias, eps);
        int spatial = x.shape().product(2, x.rank());
        if (relu) {
            Backends.current().channelAffineRelu(x.storage(), x.size(0), x.size(1), spatial, affine[1].storage(),
                    affine[2].storage(), x.storage());
        } else {
            Backends.current().channelAffine(x.storage(), x.size(0), x.size(1), spatial, affine[1].storage(),
                    affine[2].storage(), x.storage());
        }
        x.storage().bumpVersion();
        return Tensor.fromStorage(x.storage(), x.shape());
    }

    /** {invStd, scale, shift} per channel: invStd = (var + eps)^-1/2, scale = gamma invStd, shift = beta - mean scale. */
    private static Tensor[] scaleAndShift(Tensor mean, Tensor var, Tensor weight, Tensor bias, float eps) {
        int channels = var.numel();
        Shape perChannel = Shape.of(channels); // each written in full
        Tensor invStd = Tensor.empty(perChannel);
        Tensor scale = Tensor.empty(perChannel);
        Tensor shift = Tensor.empty(perChannel);
        Backends.current().batchNormScaleShift(channels, mean.storage(), var.storage(),
                weight == null ? null : weight.storage(), bias == null ? null : bias.storage(), eps, invStd.storage(),
                scale.storage(), shift.storage());
        return new Tensor[] {invStd, scale, shift};
    }

    private static void checkShapes(String op, Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight,
                                    Tensor bias) {
        if (x.rank() < 2) {
            throw new IllegalArgumentException(op + ": expected input [N, C, ...], got " + x.shape());
        }
        int channels = x.size(1);
        for (Tensor t : new Tensor[] {runningMean, runningVar, weight, bias}) {
            if (t != null && (t.rank() != 1 || t.size(0) != channels)) {
                throw new IllegalArgumentException(op + ": input " + x.shape() + " has " + channels
                        + " channels, a parameter or statistic has shape " + t.shape());
            }
        }
    }
}
