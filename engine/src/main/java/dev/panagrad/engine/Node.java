package dev.panagrad.engine;

import dev.panagrad.engine.backend.Storage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One recorded op in the autodiff graph: its name, its inputs, the tensors its backward needs, and the
 * backward itself. A node is created by {@link Autograd.Recorder#result} and attached to the op's
 * output as its {@link Tensor#gradFn()}.
 *
 * <p>After a backward pass the node drops its backward function, and with it every tensor the function
 * captured, unless the graph was retained; a second pass through a freed node is an error.
 */
public final class Node {
    private final String op;
    private final Tensor[] inputs;
    private final Shape outputShape;
    private final Tensor[] saved;
    private final int[] savedVersions;
    private final String callSite;
    private BackwardFunction backward;
    private Tensor retainedOutput;

    Node(String op, Tensor[] inputs, Shape outputShape, Tensor[] saved, BackwardFunction backward, String callSite) {
        this.op = op;
        this.inputs = inputs;
        this.outputShape = outputShape;
        this.saved = saved;
        this.savedVersions = new int[saved.length];
        for (int i = 0; i < saved.length; i++) {
            savedVersions[i] = saved[i].storage().version();
            saved[i].storage().holdForBackward();
        }
        this.backward = backward;
        this.callSite = callSite;
    }

    /** Where the op was called from, recorded in anomaly mode ({@link Anomaly}); null otherwise. */
    public String callSite() {
        return callSite;
    }

    /** The op's name, as in error messages ({@code "matmul"}, {@code "add"}, ...). */
    public String op() {
        return op;
    }

    /** The op's inputs, in order. */
    public List<Tensor> inputs() {
        return Arrays.asList(inputs);
    }

    /** Shape of the op's output. */
    public Shape outputShape() {
        return outputShape;
    }

    /** Whether a backward pass has already released this node's saved tensors. */
    public boolean isFreed() {
        return backward == null;
    }

    Tensor input(int i) {
        return inputs[i];
    }

    int inputCount() {
        return inputs.length;
    }

    void retainOutputGrad(Tensor output) {
        retainedOutput = output;
    }

    Tensor retainedOutput() {
        return retainedOutput;
    }

    /** Runs the op's backward after checking that the graph is still there and its tensors unchanged. */
    Tensor[] backward(Tensor gradOutput) {
        if (backward == null) {
            throw new IllegalStateException(op + ": backward through a graph that an earlier backward already "
                    + "freed; pass retainGraph = true to the first backward to run backward twice");
        }
        for (int i = 0; i < saved.length; i++) {
            int now = saved[i].storage().version();
            if (now != savedVersions[i]) {
                throw new IllegalStateException(op + ": a tensor of shape " + saved[i].shape()
                        + " saved for backward was modified in place (version " + now + ", saved at version "
                        + savedVersions[i] + ")");
            }
        }
        boolean[] needs = new boolean[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            needs[i] = inputs[i].requiresGrad();
        }
        Tensor[] grads = backward.apply(gradOutput, needs);
        if (grads.length != inputs.length) {
            throw new IllegalStateException(op + ": backward returned " + grads.length + " gradients for "
                    + inputs.length + " inputs");
        }
        return grads;
    }

    /** Drops the backward and the saved tensors; returns the storages that no other node still saves. */
    List<Storage> free() {
        backward = null;
        List<Storage> unheld = List.of();
        for (int i = 0; i < saved.length; i++) {
            if (saved[i] != null && saved[i].storage().dropForBackward() == 0) {
                if (unheld.isEmpty()) {
                    unheld = new ArrayList<>(saved.length);
                }
                unheld.add(saved[i].storage());
            }
        }
        Arrays.fill(saved, null);
        return unheld;
    }

    @Override
    public String toString() {
        return op + "Backward";
    }
}
