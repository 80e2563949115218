package dev.panagrad.nn.optim;

import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.TensorScope;
import dev.panagrad.nn.DType;
import dev.panagrad.nn.StateDict;
import java.util.List;

/**
 * Adam and AdamW with PyTorch's update ({@code torch.optim.Adam}, {@code torch.optim.AdamW}), for
 * step t:
 * <pre>
 * Adam:  g = grad + weight_decay * p          AdamW: p = p * (1 - lr * weight_decay), g = grad
 * m = beta1 m + (1 - beta1) g;   v = beta2 v + (1 - beta2) g^2
 * p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 */
public final class Adam extends Optimizer {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean decoupled;
    private final Tensor[] m;
    private final Tensor[] v;
    private final int[] steps;

    private Adam(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay,
                 boolean decoupled) {
        super(params, lr);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
        this.m = new Tensor[params.size()];
        this.v = new Tensor[params.size()];
        this.steps = new int[params.size()];
    }

    /** Adam with L2 weight decay added to the gradient. PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, decay 0. */
    public static Adam adam(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        return new Adam(params, lr, beta1, beta2, eps, weightDecay, false);
    }

    /** Adam with PyTorch's defaults. */
    public static Adam adam(List<Tensor> params, double lr) {
        return adam(params, lr, 0.9, 0.999, 1e-8, 0);
    }

    /** AdamW: weight decay applied to the parameters, not the gradient. PyTorch's default decay is 0.01. */
    public static Adam adamW(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        return new Adam(params, lr, beta1, beta2, eps, weightDecay, true);
    }

    /** AdamW with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public static Adam adamW(List<Tensor> params, double lr) {
        return adamW(params, lr, 0.9, 0.999, 1e-8, 0.01);
    }

    @Override
    public void step() {
        try (var ignored = Grad.disabled()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                if (p.grad() == null) {
                    continue;
                }
                Tensor g = p.grad();
                if (decoupled) {
                    p.mulInPlace((float) (1 - lr() * weightDecay));
                } else if (weightDecay != 0) {
                    g = g.copy().addInPlace(p, (float) weightDecay);
                }
                if (m[i] == null) {
                    m[i] = TensorScope.escape(p.zerosLike()); // state: outlives the step's scope
                    v[i] = TensorScope.escape(p.zerosLike());
                }
                int t = ++steps[i];
                m[i].mulInPlace((float) beta1).addInPlace(g, (float) (1 - beta1));
                v[i].mulInPlace((float) beta2).addInPlace(g.mul(g), (float) (1 - beta2));
                double bias1 = 1 - Math.pow(beta1, t);
                double bias2 = 1 - Math.pow(beta2, t);
                Tensor denom = v[i].sqrt().mul((float) (1 / Math.sqrt(bias2))).add((float) eps);
                p.addInPlace(m[i].div(denom), (float) (-lr() / bias1));
            }
        }
    }

    @Override
    public StateDict stateDict() {
        StateDict s = new StateDict();
        for (int i = 0; i < m.length; i++) {
            if (m[i] != null) {
                s.put("state." + i + ".step", Tensor.scalar(steps[i]), DType.I64);
                s.put("state." + i + ".exp_avg", m[i]);
                s.put("state." + i + ".exp_avg_sq", v[i]);
            }
        }
        return s;
    }

    @Override
    public void loadStateDict(StateDict state) {
        for (int i = 0; i < m.length; i++) {
            String prefix = "state." + i + ".";
            if (state.get(prefix + "exp_avg") == null) {
                m[i] = null;
                v[i] = null;
                steps[i] = 0;
                continue;
            }
            m[i] = required(state, prefix + "exp_avg", params.get(i));
            v[i] = required(state, prefix + "exp_avg_sq", params.get(i));
            Tensor step = state.get(prefix + "step");
            if (step == null) {
                throw new IllegalArgumentException("Adam: state entry '" + prefix + "step' is missing");
            }
            steps[i] = (int) step.item();
        }
    }
}
