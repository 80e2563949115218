package dev.panagrad.engine.ops;

import dev.panagrad.engine.Autograd;
import dev.panagrad.engine.Shape;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.Backends;
import dev.panagrad.engine.backend.BinaryOp;
import dev.panagrad.engine.backend.UnaryOp;

/**
 * Element-wise functions of two tensors, with NumPy broadcasting. Each backward returns gradients
 * of the broadcast shape; the graph walk sums them back to each input's shape.
 */
public final class Arithmetic {
    private Arithmetic() {
    }

    public static Tensor add(Tensor a, Tensor b) {
        Tensor out = apply(BinaryOp.ADD, "add", a, b);
        return Autograd.op("add", a, b).result(out, (g, needs) -> new Tensor[] {g, g});
    }

    /**
     * {@code a + b} written over a's storage, as {@code torch.Tensor.add_}: no new tensor is allocated. b
     * broadcasts to a's shape. Returns a tensor on a's storage that carries the op in the graph; a's
     * version advances, so an op that saved a reports the change in its backward. The usual place is
     * the residual sum of a ResNet block, over the output of batch norm, which keeps only its input.
     */
    public static Tensor addInPlace(Tensor a, Tensor b) {
        if (a.isLeaf() && a.requiresGrad() && dev.panagrad.engine.Grad.isEnabled()) {
            throw new IllegalStateException("add_: in-place change of a leaf tensor of shape " + a.shape()
                    + " that requires grad");
        }
        if (!b.shape().broadcastsTo(a.shape())) {
            throw new IllegalArgumentException("add_: shape " + b.shape() + " does not broadcast to " + a.shape());
        }
        Shape s = a.shape();
        // Each element is read and written at the same index, so the output may be the first input.
        Backends.current().binary(BinaryOp.ADD, s.dims(), a.storage(), s.strides(), b.storage(),
                b.shape().broadcastStrides(s), a.storage());
        a.storage().bumpVersion();
        Tensor out = Tensor.fromStorage(a.storage(), s);
        return Autograd.op("add_", a, b).result(out, (g, needs) -> new Tensor[] {g, g});
    }

    /**
     * {@code relu(a + b)} written over a, the end of every residual block ({@code relu(out.add_(shortcut))}),
     * in one pass instead of two. a and b have the same shape.
     * <pre>
     * forward    y = max(a + b, 0)                              addRelu
     * backward   d = dy where y &gt; 0, else 0;  da = db = d      unaryBackward(RELU), read from y
     * </pre>
     * Both inputs receive the same gradient tensor, as add does.
     */
    public static Tensor addReluInPlace(Tensor a, Tensor b) {
        if (a.isLeaf() && a.requiresGrad() && dev.panagrad.engine.Grad.isEnabled()) {
            throw new IllegalStateException("addRelu_: in-place change of a leaf tensor of shape " + a.shape()
                    + " that requires grad");
        }
        if (!b.shape().equals(a.shape())) {
            throw new IllegalArgumentException("addRelu_: shapes " + a.shape() + " and " + b.shape() + " differ");
        }
        int n = a.numel();
        Backends.current().addRelu(a.storage(), b.storage(), a.storage(), n);
        a.storage().bumpVersion();
        Tensor y = Tensor.fromStorage(a.storage(), a.shape());
        return Autograd.op("addRelu_", a, b).saves(y).result(y, (g, needs) -> {
            Tensor d = Tensor.empty(y.shape()); // written in full by the kernel
            Backends.current().unaryBackward(UnaryOp.RELU, 0f, 0f, y.storage(), y.storage(), g.storage(), d.storage(),
                    n);
            return new Tensor[] {d, d};
        });
    }

    public static Tensor sub(Tensor a, Tensor b) {
        Tensor out = apply(BinaryOp.SUB, "sub", a, b);
        return Autograd.op("sub", a, b).result(out, (g, needs) -> new Tensor[] {g, needs[1] ? g.neg() : null});
    }

    public static Tensor mul(Tensor a, Tensor b) {
        Tensor out = apply(BinaryOp.MUL, "mul", a, b);
        return Autograd.op("mul", a, b).saves(a, b).result(out, (g, needs) -> new Tensor[] {
            needs[0] ? g.mul(b) : null,
            needs[1] ? g.mul(a) : null});
    }

    /** d(a/b)/da = 1/b; d(a/b)/db = -a/b^2 = -(a/b)/b. */
    public static Tensor div(Tensor a, Tensor b) {
        Tensor out = apply(BinaryOp.DIV, "div", a, b);
        return Autograd.op("div", a, b).saves(b, out).result(out, (g, needs) -> {
            Tensor gOverB = g.div(b);
            return new Tensor[] {gOverB, needs[1] ? gOverB.mul(out).neg() : null};
        });
    }

    /** Where a and b are equal, each gets half the gradient, as {@code torch.maximum}. */
    public static Tensor maximum(Tensor a, Tensor b) {
        Tensor out = apply(BinaryOp.MAX, "maximum", a, b);
        return Autograd.op("maximum", a, b).saves(a, b).result(out, (g, needs) -> split(g, a.gt(b), a.eq(b)));
    }

    /** Where a and b are equal, each gets half the gradient, as {@code torch.minimum}. */
    public static Tensor minimum(Tensor a, Tensor b) {
        Tensor out = apply(BinaryOp.MIN, "minimum", a, b);
        return Autograd.op("minimum", a, b).saves(a, b).result(out, (g, needs) -> split(g, a.lt(b), a.eq(b)));
    }

    /** Gradient g to a where {@code aWins}, to b elsewhere, halves to both where {@code tie}. */
    private static Tensor[] split(Tensor g, Tensor aWins, Tensor tie) {
        Tensor shareA = aWins.add(tie.mul(0.5f));
        Tensor shareB = shareA.neg().add(1f);
        return new Tensor[] {g.mul(shareA), g.mul(shareB)};
    }

    /** A comparison giving 1 or 0 per element; no gradient flows through it. */
    public static Tensor compare(BinaryOp op, String name, Tensor a, Tensor b) {
        return apply(op, name, a, b);
    }

    /** {@code torch.where(condition, a, b)}; condition is any tensor, nonzero meaning true. */
    public static Tensor where(Tensor condition, Tensor a, Tensor b) {
        Shape s = Shape.broadcast("where", Shape.broadcast("where", condition.shape(), a.shape()), b.shape());
        Tensor out = select(s, condition, a, b);
        return Autograd.op("where", a, b).saves(condition).result(out, (g, needs) -> {
            Tensor zero = Tensor.scalar(0f);
            return new Tensor[] {
                needs[0] ? select(s, condition, g, zero) : null,
                needs[1] ? select(s, condition, zero, g) : null};
        });
    }

    private static Tensor select(Shape s, Tensor condition, Tensor a, Tensor b) {
        Tensor out = Tensor.zeros(s);
        Backends.current().select(s.dims(), condition.storage(), condition.shape().broadcastStrides(s),
                a.storage(), a.shape().broadcastStrides(s), b.storage(), b.shape().broadcastStrides(s), out.storage());
        return out;
    }

    private static Tensor apply(BinaryOp op, String name, Tensor a, Tensor b) {
        Shape s = Shape.broadcast(name, a.shape(), b.shape());
        // The kernel writes every element, so in a backward pass (a gradient sum) a dead buffer will do.
        Tensor out = Tensor.empty(s);
        Backends.current().binary(op, s.dims(), a.storage(), a.shape().broadcastStrides(s),
                b.storage(), b.shape().broadcastStrides(s), out.storage());
        return out;
    }
}
