package dev.panagrad.nn.layers;

import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.ops.BatchNormalization;
import dev.panagrad.nn.DType;
import dev.panagrad.nn.Functional;
import dev.panagrad.nn.Module;

/**
 * Batch normalisation over channel dimension 1, shared by {@link BatchNorm1d} and {@link BatchNorm2d}.
 * In training mode it normalises with the batch statistics and updates {@code running_mean},
 * {@code running_var} (unbiased) with {@code momentum}, and counts {@code num_batches_tracked}; in
 * evaluation mode it uses the running statistics. Weight 1, bias 0, running mean 0, running var 1 at
 * the start, as PyTorch.
 */
public abstract class BatchNorm extends Module {
    private final int features;
    private final float eps;
    private final float momentum;
    private final Tensor weight;
    private final Tensor bias;
    private final Tensor runningMean;
    private final Tensor runningVar;
    private final Tensor batchesTracked;

    protected BatchNorm(int features, float eps, float momentum, boolean affine) {
        this.features = features;
        this.eps = eps;
        this.momentum = momentum;
        weight = affine ? registerParameter("weight", Tensor.ones(features)) : null;
        bias = affine ? registerParameter("bias", Tensor.zeros(features)) : null;
        runningMean = registerBuffer("running_mean", Tensor.zeros(features));
        runningVar = registerBuffer("running_var", Tensor.ones(features));
        batchesTracked = registerBuffer("num_batches_tracked", Tensor.zeros(), DType.I64);
    }

    /** Checks the input's rank; the number of channels is checked by the op. */
    protected abstract void checkInput(Tensor x);

    @Override
    public Tensor forward(Tensor x) {
        checkInput(x);
        if (isTraining()) {
            countBatch();
        }
        return Functional.batchNorm(x, runningMean, runningVar, weight, bias, isTraining(), momentum, eps);
    }

    /**
     * {@link #forward}, except that in evaluation mode with autograd off it normalises x where it is and
     * returns a tensor over x's storage, instead of writing a new tensor: for a caller that made x and
     * does not need it afterwards, such as a residual block's convolution output during inference.
     */
    public Tensor forwardInPlace(Tensor x) {
        if (isTraining() || Grad.isEnabled()) {
            return forward(x);
        }
        checkInput(x);
        return BatchNormalization.batchNormEvalInPlace(x, runningMean, runningVar, weight, bias, eps);
    }

    /**
     * {@code relu(forward(x))} as one fused op ({@link BatchNormalization#batchNormRelu}): one pass forward,
     * one backward, where batch norm then ReLU take two each. Like {@link #forwardInPlace}, it normalises
     * x where it is in evaluation mode with autograd off.
     */
    public Tensor forwardRelu(Tensor x) {
        checkInput(x);
        if (!isTraining() && !Grad.isEnabled()) {
            return BatchNormalization.batchNormReluEvalInPlace(x, runningMean, runningVar, weight, bias, eps);
        }
        if (isTraining()) {
            countBatch();
        }
        return BatchNormalization.batchNormRelu(x, runningMean, runningVar, weight, bias, isTraining(), momentum, eps);
    }

    /**
     * num_batches_tracked += 1, written on the host: no kernel reads the counter, so on a device backend it
     * stays in host memory instead of costing two launches a batch.
     */
    private void countBatch() {
        batchesTracked.storage().array()[0] += 1f;
        batchesTracked.storage().bumpVersion();
    }

    public Tensor weight() {
        return weight;
    }

    public Tensor bias() {
        return bias;
    }

    public Tensor runningMean() {
        return runningMean;
    }

    /** The constant added to the variance before its square root. */
    public float eps() {
        return eps;
    }

    public Tensor runningVar() {
        return runningVar;
    }

    /** Batches seen in training mode. */
    public long batchesTracked() {
        return (long) batchesTracked.item();
    }

    @Override
    protected String extraRepr() {
        return features + ", eps=" + pythonFloat(eps) + ", momentum=" + pythonFloat(momentum) + ", affine="
                + (weight != null ? "True" : "False") + ", track_running_stats=True";
    }

    /** Formats as Python's repr of the float: 1e-05, 0.1. */
    private static String pythonFloat(float v) {
        String s = Double.toString(Double.parseDouble(Float.toString(v)));
        if (s.contains("E")) {
            String[] parts = s.split("E");
            String mantissa = parts[0].endsWith(".0") ? parts[0].substring(0, parts[0].length() - 2) : parts[0];
            int exp = Integer.parseInt(parts[1]);
            return mantissa + "e" + (exp < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp));
        }
        return s;
    }
}
