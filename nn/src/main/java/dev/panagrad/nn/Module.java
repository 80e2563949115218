package dev.panagrad.nn;

import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.TensorScope;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A layer or model, as {@code torch.nn.Module}: parameters, buffers and child modules registered by
 * name, in order, so that {@link #namedParameters()} and {@link #stateDict()} give PyTorch's dotted
 * names ({@code layer1.0.conv1.weight}); a training flag that {@link #train()} and {@link #eval()} set
 * on the whole tree; and a printed tree like PyTorch's.
 */
public abstract class Module {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, DType> bufferTypes = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Applies the module to one input. */
    public abstract Tensor forward(Tensor input);

    // ---- registration ---------------------------------------------------------------------------

    /** Registers a trainable tensor (marked as requiring grad) under {@code name}; returns it. */
    protected Tensor registerParameter(String name, Tensor value) {
        checkName(name);
        value.requiresGrad(true);
        parameters.put(name, TensorScope.escape(value));
        return value;
    }

    /** Registers a float state tensor that is saved but not trained (running statistics); returns it. */
    protected Tensor registerBuffer(String name, Tensor value) {
        return registerBuffer(name, value, DType.F32);
    }

    /** Registers a state tensor stored with {@code dtype} in checkpoints; returns it. */
    protected Tensor registerBuffer(String name, Tensor value, DType dtype) {
        checkName(name);
        buffers.put(name, TensorScope.escape(value));
        bufferTypes.put(name, dtype);
        return value;
    }

    /** Registers a child module under {@code name}; returns it. */
    protected <M extends Module> M registerModule(String name, M module) {
        checkName(name);
        children.put(name, module);
        return module;
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": invalid name '" + name + "'");
        }
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": '" + name + "' is already registered");
        }
    }

    // ---- traversal --------------------------------------------------------------------------------

    /** Direct children, by name, in order. */
    public Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** This module's own parameters, by local name. */
    protected Map<String, Tensor> localParameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /** Every parameter of the tree, under its dotted name, in registration order. */
    public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, null);
        return out;
    }

    /** Every parameter of the tree, in registration order. */
    public List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Every buffer of the tree, under its dotted name. */
    public Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", null, out);
        return out;
    }

    private void collect(String prefix, Map<String, Tensor> params, Map<String, Tensor> bufs) {
        if (params != null) {
            parameters.forEach((k, v) -> params.put(prefix + k, v));
        }
        if (bufs != null) {
            buffers.forEach((k, v) -> bufs.put(prefix + k, v));
        }
        children.forEach((k, m) -> m.collect(prefix + k + ".", params, bufs));
    }

    /** Number of trainable scalars. */
    public long parameterCount() {
        long n = 0;
        for (Tensor p : parameters()) {
            n += p.numel();
        }
        return n;
    }

    /** Drops the gradients of every parameter. */
    public void zeroGrad() {
        for (Tensor p : parameters()) {
            p.zeroGrad();
        }
    }

    // ---- modes --------------------------------------------------------------------------------------

    /** Puts the tree in training mode (batch statistics, dropout on); returns this. */
    public Module train() {
        return train(true);
    }

    /** Sets the training flag of the whole tree; returns this. */
    public Module train(boolean on) {
        training = on;
        for (Module m : children.values()) {
            m.train(on);
        }
        return this;
    }

    /** Puts the tree in evaluation mode (running statistics, dropout off); returns this. */
    public Module eval() {
        return train(false);
    }

    public boolean isTraining() {
        return training;
    }

    // ---- state --------------------------------------------------------------------------------------

    /**
     * Parameters and buffers under PyTorch's names, in PyTorch's order (per module: its parameters,
     * then its buffers, then its children). The tensors are the module's own, not copies.
     */
    public StateDict stateDict() {
        StateDict out = new StateDict();
        addState("", out);
        return out;
    }

    private void addState(String prefix, StateDict out) {
        parameters.forEach((k, v) -> out.put(prefix + k, v, DType.F32));
        buffers.forEach((k, v) -> out.put(prefix + k, v, bufferTypes.get(k)));
        children.forEach((k, m) -> m.addState(prefix + k + ".", out));
    }

    /** {@link #loadStateDict(StateDict, boolean)} with {@code strict = true}. */
    public void loadStateDict(StateDict state) {
        loadStateDict(state, true);
    }

    /**
     * Copies values from {@code state} into this module's parameters and buffers (their identities stay,
     * so optimisers keep working). Shape mismatches are always errors; with {@code strict}, so are
     * missing and unexpected keys. All problems are reported together, and nothing is copied if any.
     *
     * @throws StateDictMismatchException listing every problem by name
     */
    public void loadStateDict(StateDict state, boolean strict) {
        StateDict own = stateDict();
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> shapes = new ArrayList<>();
        for (String k : own.keys()) {
            Tensor src = state.get(k);
            if (src == null) {
                missing.add(k);
            } else if (!src.shape().equals(own.get(k).shape())) {
                shapes.add(k + ": checkpoint " + src.shape() + ", model " + own.get(k).shape());
            }
        }
        for (String k : state.keys()) {
            if (own.get(k) == null) {
                unexpected.add(k);
            }
        }
        if (!shapes.isEmpty() || (strict && (!missing.isEmpty() || !unexpected.isEmpty()))) {
            throw new StateDictMismatchException(getClass().getSimpleName(), missing, unexpected, shapes);
        }
        try (var ignored = Grad.disabled()) {
            for (String k : own.keys()) {
                Tensor src = state.get(k);
                if (src != null) {
                    own.get(k).copyFrom(src);
                }
            }
        }
    }

    // ---- printing -----------------------------------------------------------------------------------

    /** The arguments shown between the parentheses of this module's line, as PyTorch's {@code extra_repr}. */
    protected String extraRepr() {
        return "";
    }

    /** The module tree, formatted as PyTorch prints it. */
    @Override
    public String toString() {
        String name = getClass().getSimpleName();
        if (children.isEmpty()) {
            return name + "(" + extraRepr() + ")";
        }
        StringBuilder sb = new StringBuilder(name).append("(");
        String extra = extraRepr();
        if (!extra.isEmpty()) {
            sb.append("\n  ").append(extra);
        }
        children.forEach((k, m) -> sb.append("\n  (").append(k).append("): ")
                .append(m.toString().replace("\n", "\n  ")));
        return sb.append("\n)").toString();
    }
}
