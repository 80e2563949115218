package dev.panagrad.engine.ops;

import dev.panagrad.engine.Autograd;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.Backends;
import dev.panagrad.engine.backend.UnaryOp;

/**
 * Element-wise functions of one tensor. Forward and backward are one kernel each; the derivative of
 * every function is written once, in {@link UnaryOp#grad}, and vectorised by the backends.
 */
public final class Pointwise {
    private Pointwise() {
    }

    public static Tensor neg(Tensor x) {
        return map("neg", UnaryOp.NEG, 0f, 0f, x);
    }

    /** {@code p * x + q}: the scalar forms of mul and add. */
    public static Tensor affine(Tensor x, float p, float q) {
        return map(p == 1f ? "add" : "mul", UnaryOp.AFFINE, p, q, x);
    }

    public static Tensor exp(Tensor x) {
        return map("exp", UnaryOp.EXP, 0f, 0f, x);
    }

    public static Tensor log(Tensor x) {
        return map("log", UnaryOp.LOG, 0f, 0f, x);
    }

    public static Tensor sqrt(Tensor x) {
        return map("sqrt", UnaryOp.SQRT, 0f, 0f, x);
    }

    public static Tensor pow(Tensor x, float exponent) {
        return map("pow", UnaryOp.POW, exponent, 0f, x);
    }

    public static Tensor abs(Tensor x) {
        return map("abs", UnaryOp.ABS, 0f, 0f, x);
    }

    public static Tensor relu(Tensor x) {
        return map("relu", UnaryOp.RELU, 0f, 0f, x);
    }

    public static Tensor sigmoid(Tensor x) {
        return map("sigmoid", UnaryOp.SIGMOID, 0f, 0f, x);
    }

    public static Tensor tanh(Tensor x) {
        return map("tanh", UnaryOp.TANH, 0f, 0f, x);
    }

    public static Tensor clamp(Tensor x, float min, float max) {
        if (min > max) {
            throw new IllegalArgumentException("clamp: min " + min + " is greater than max " + max);
        }
        return map("clamp", UnaryOp.CLAMP, min, max, x);
    }

    /**
     * {@code max(x, 0)} written over x's storage, as {@code torch.relu_}: no new activation is allocated.
     * Returns a tensor on the same storage that carries the op in the graph; x's version advances, so an
     * op that saved x for its backward reports the change there. The usual place is right after an op
     * that does not keep its output (batch norm, addition), as in PyTorch's ResNets.
     */
    public static Tensor reluInPlace(Tensor x) {
        if (x.isLeaf() && x.requiresGrad() && dev.panagrad.engine.Grad.isEnabled()) {
            throw new IllegalStateException("relu_: in-place change of a leaf tensor of shape " + x.shape()
                    + " that requires grad");
        }
        Backends.current().unary(UnaryOp.RELU, 0f, 0f, x.storage(), x.storage(), x.numel());
        x.storage().bumpVersion();
        Tensor y = Tensor.fromStorage(x.storage(), x.shape());
        return Autograd.op("relu_", x).saves(y).result(y, (g, needs) -> {
            Tensor gx = Tensor.empty(x.shape()); // written in full by the kernel
            // RELU's derivative reads only the output, which is what the storage holds.
            Backends.current().unaryBackward(UnaryOp.RELU, 0f, 0f, y.storage(), y.storage(), g.storage(), gx.storage(),
                    x.numel());
            return new Tensor[] {gx};
        });
    }

    /** y = op(x); dx = op.grad(x, y, dy). */
    private static Tensor map(String name, UnaryOp op, float p, float q, Tensor x) {
        Backend be = Backends.current();
        Tensor y = Tensor.empty(x.shape()); // written in full by the kernel
        be.unary(op, p, q, x.storage(), y.storage(), x.numel());
        return Autograd.op(name, x).saves(x, y).result(y, (g, needs) -> {
            Tensor gx = Tensor.empty(x.shape()); // written in full by the kernel
            Backends.current().unaryBackward(op, p, q, x.storage(), y.storage(), g.storage(), gx.storage(), x.numel());
            return new Tensor[] {gx};
        });
    }
}
