package dev.panagrad.nn.optim;

import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.TensorScope;
import dev.panagrad.engine.Backends;
import dev.panagrad.nn.DType;
import dev.panagrad.nn.StateDict;
import dev.panagrad.engine.backend.Storage;
import java.util.ArrayList;
import java.util.List;

/**
 * Stochastic gradient descent with PyTorch's exact update rule ({@code torch.optim.SGD}):
 * <pre>
 * g = grad + weight_decay * p
 * if momentum: buf = g on the first step, else momentum * buf + (1 - dampening) * g
 *              g = g + momentum * buf if nesterov, else buf
 * p = p - lr * g
 * </pre>
 */
public final class Sgd extends Optimizer {
    private final double momentum;
    private final double dampening;
    private final double weightDecay;
    private final boolean nesterov;
    private final Tensor[] buffers;

    /** Plain SGD. */
    public Sgd(List<Tensor> params, double lr) {
        this(params, lr, 0, 0, 0, false);
    }

    public Sgd(List<Tensor> params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        super(params, lr);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("Sgd: Nesterov momentum requires a momentum and zero dampening");
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
        this.buffers = new Tensor[params.size()];
    }

    @Override
    public void step() {
        List<Integer> stepped = new ArrayList<>(params.size());
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i).grad() != null) {
                stepped.add(i);
            }
        }
        int tensors = stepped.size();
        int[] counts = new int[tensors];
        Storage[] p = new Storage[tensors];
        Storage[] g = new Storage[tensors];
        Storage[] b = momentum != 0 ? new Storage[tensors] : null;
        boolean[] first = new boolean[tensors];
        for (int t = 0; t < tensors; t++) {
            int i = stepped.get(t);
            Tensor param = params.get(i);
            first[t] = momentum != 0 && buffers[i] == null;
            if (first[t]) {
                buffers[i] = TensorScope.escape(Tensor.zeros(param.shape())); // state: outlives the step's scope
            }
            counts[t] = param.numel();
            p[t] = param.storage();
            g[t] = param.grad().storage();
            if (b != null) {
                b[t] = buffers[i].storage();
            }
        }
        // One pass over each parameter, its gradient and its momentum: the rule above, fused; all tensors in one call.
        Backends.current().sgdSteps(counts, p, g, b, first, (float) lr(), (float) weightDecay, (float) momentum,
                (float) dampening, nesterov);
        for (int t = 0; t < tensors; t++) {
            p[t].bumpVersion();
            if (b != null) {
                b[t].bumpVersion();
            }
        }
    }

    @Override
    public StateDict stateDict() {
        StateDict s = new StateDict();
        for (int i = 0; i < buffers.length; i++) {
            if (buffers[i] != null) {
                s.put("state." + i + ".momentum_buffer", buffers[i], DType.F32);
            }
        }
        return s;
    }

    @Override
    public void loadStateDict(StateDict state) {
        for (int i = 0; i < buffers.length; i++) {
            String key = "state." + i + ".momentum_buffer";
            buffers[i] = state.get(key) == null ? null : required(state, key, params.get(i));
        }
    }
}
