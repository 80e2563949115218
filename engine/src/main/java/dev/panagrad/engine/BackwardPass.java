package dev.panagrad.engine;

import dev.panagrad.engine.backend.Storage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The graph walk of reverse-mode autodiff: visit the nodes from the output back to the leaves in
 * reverse topological order, so that every node has received the gradients of all its consumers
 * before its own backward runs; accumulate leaf gradients into {@code .grad}.
 */
final class BackwardPass {
    private BackwardPass() {
    }

    static void run(Tensor root, Tensor seed, boolean retainGraph) {
        Node rootNode = root.gradFn();
        if (rootNode == null) {
            accumulateLeaf(root, seed, false);
            return;
        }
        Map<Node, Tensor> pending = new IdentityHashMap<>();
        pending.put(rootNode, seed);
        GradientBuffers buffers = GradientBuffers.open();
        List<Tensor> unused = new ArrayList<>();
        try (var ignored = Grad.disabled()) {
            for (Node node : reverseTopologicalOrder(rootNode)) {
                Tensor g = pending.remove(node);
                if (g == null) {
                    continue;
                }
                if (buffers != null) {
                    buffers.drop(g);
                    unused.add(g);
                }
                if (node.retainedOutput() != null) {
                    accumulateLeaf(node.retainedOutput(), g, false);
                }
                long made = Storage.madeSoFar();
                Tensor[] grads = node.backward(g);
                if (!retainGraph) {
                    for (Storage s : node.free()) {
                        TensorScope.releaseAfterBackward(s); // only where a scope asked for it
                    }
                }
                if (Anomaly.isEnabled()) {
                    for (int i = 0; i < grads.length; i++) {
                        if (grads[i] != null) {
                            Anomaly.checkGradient(node, i, grads[i]);
                        }
                    }
                }
                for (int i = 0; i < node.inputCount(); i++) {
                    Tensor input = node.input(i);
                    if (grads[i] == null || !input.requiresGrad()) {
                        continue;
                    }
                    Tensor gi = toShape(node, i, grads[i], input.shape());
                    Node next = input.gradFn();
                    if (next == null) {
                        boolean owned = ownedBy(gi, made, grads, i);
                        if (owned && buffers != null) {
                            buffers.forget(gi);
                        }
                        accumulateLeaf(input, gi, owned);
                        continue;
                    }
                    Tensor before = pending.get(next);
                    if (before == null) {
                        pending.put(next, gi);
                        if (buffers != null) {
                            buffers.hold(gi);
                        }
                    } else if (buffers != null && buffers.addInto(before, gi)) {
                        unused.add(gi);
                    } else {
                        Tensor sum = before.add(gi);
                        pending.put(next, sum);
                        if (buffers != null) {
                            buffers.hold(sum); // pending like any other: its node may pass it on as it is
                            buffers.drop(before);
                            unused.add(before);
                            unused.add(gi);
                        }
                    }
                }
                // Only now: a tensor that one input let go of may still be pending for another.
                if (buffers != null) {
                    for (Tensor t : unused) {
                        buffers.releaseIfUnused(t);
                    }
                    unused.clear();
                }
            }
        } finally {
            if (buffers != null) {
                buffers.close();
            }
        }
    }

    /** Sums a gradient over the dimensions along which its input was broadcast. */
    private static Tensor toShape(Node node, int i, Tensor grad, Shape shape) {
        if (grad.shape().equals(shape)) {
            return grad;
        }
        if (!shape.broadcastsTo(grad.shape())) {
            throw new IllegalStateException(node.op() + ": backward gave input " + i + " a gradient of shape "
                    + grad.shape() + ", which does not reduce to the input's shape " + shape);
        }
        return grad.sumTo(shape);
    }

    /** Adds g into the leaf's gradient; a leaf without one takes g itself where g is {@code owned}, else a copy. */
    private static void accumulateLeaf(Tensor leaf, Tensor g, boolean owned) {
        Tensor current = leaf.grad();
        if (current == null) {
            leaf.setGrad(owned ? g : g.copy());
        } else {
            current.addInPlace(g, 1f);
        }
    }

    /**
     * Whether gradient i of a node is the node's alone, so that a leaf may keep it without a copy (as
     * PyTorch's AccumulateGrad steals a gradient no one else refers to): its storage was made by this
     * node's backward (after {@code made}), so no saved tensor, pending gradient or earlier result shares
     * it; no other gradient of the node uses the same storage; and it covers its storage whole.
     */
    private static boolean ownedBy(Tensor gi, long made, Tensor[] grads, int i) {
        Storage s = gi.storage();
        if (!s.madeSince(made) || s.size() != gi.numel()) {
            return false;
        }
        for (int j = 0; j < grads.length; j++) {
            if (j != i && grads[j] != null && grads[j].storage() == s) {
                return false;
            }
        }
        return true;
    }

    /** Nodes reachable from {@code root}, each after every node that consumes its output. */
    private static List<Node> reverseTopologicalOrder(Node root) {
        List<Node> postOrder = new ArrayList<>();
        Set<Node> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Node> stack = new ArrayDeque<>();
        ArrayDeque<Integer> nextChild = new ArrayDeque<>();
        stack.push(root);
        nextChild.push(0);
        visited.add(root);
        while (!stack.isEmpty()) {
            Node node = stack.peek();
            int c = nextChild.pop();
            if (c < node.inputCount()) {
                nextChild.push(c + 1);
                Node child = node.input(c).gradFn();
                if (child != null && visited.add(child)) {
                    stack.push(child);
                    nextChild.push(0);
                }
            } else {
                stack.pop();
                postOrder.add(node);
            }
        }
        Collections.reverse(postOrder);
        return postOrder;
    }
}
