package dev.panagrad.nn.optim;

import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.TensorScope;
import dev.panagrad.nn.StateDict;
import java.util.List;

/**
 * Updates parameters from their gradients, as {@code torch.optim.Optimizer}. Parameters without a
 * gradient are skipped. The state (momentum buffers, moment estimates, step counts) is keyed by
 * parameter index, as PyTorch's {@code state_dict()}, so that training can resume from a checkpoint.
 */
public abstract class Optimizer {
    protected final List<Tensor> params;
    private double lr;

    protected Optimizer(List<Tensor> params, double lr) {
        if (lr < 0) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": learning rate must be >= 0, got " + lr);
        }
        this.params = List.copyOf(params);
        this.lr = lr;
    }

    /** One update of every parameter that has a gradient. */
    public abstract void step();

    /** Drops every parameter's gradient. */
    public void zeroGrad() {
        for (Tensor p : params) {
            p.zeroGrad();
        }
    }

    public double lr() {
        return lr;
    }

    /** Sets the learning rate used by the next steps (schedules call this). */
    public void setLr(double value) {
        lr = value;
    }

    public List<Tensor> params() {
        return params;
    }

    /** The optimiser's state: {@code state.<index>.<name>} tensors, as PyTorch names them. */
    public abstract StateDict stateDict();

    /** Restores a state written by {@link #stateDict()} for the same parameters. */
    public abstract void loadStateDict(StateDict state);

    /** The tensor {@code key} of {@code state}, checked against the parameter's shape. */
    protected Tensor required(StateDict state, String key, Tensor like) {
        Tensor t = state.get(key);
        if (t == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": state entry '" + key + "' is missing");
        }
        if (!t.shape().equals(like.shape())) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": state entry '" + key + "' has shape "
                    + t.shape() + ", the parameter has " + like.shape());
        }
        return TensorScope.escape(t.copy());
    }
}
