package dev.panagrad.engine;

import dev.panagrad.engine.backend.Storage;
import dev.panagrad.engine.ops.Arithmetic;
import dev.panagrad.engine.ops.Indexing;
import dev.panagrad.engine.ops.Layout;
import dev.panagrad.engine.ops.LinearAlgebra;
import dev.panagrad.engine.ops.Normalization;
import dev.panagrad.engine.ops.Pointwise;
import dev.panagrad.engine.ops.Reductions;
import dev.panagrad.engine.ops.Views;
import java.util.List;

/**
 * A float32 tensor: a shape and contiguous row-major storage, with reverse-mode autodiff.
 *
 * <p>Ops return new tensors and, when grad mode is on and an input requires grad, record themselves
 * in the graph; {@link #backward()} then fills {@link #grad()} of the leaves. Binary ops broadcast as
 * NumPy and PyTorch do. Dimension arguments may be negative, counting from the end. Views
 * ({@link #reshape}, {@link #detach}, {@link #squeeze}, ...) share storage with their source; every
 * other op writes a new tensor.
 *
 * <pre>{@code
 * Rng rng = new Rng(0);
 * Tensor w = Tensor.randn(rng, 3, 2).requiresGrad(true);
 * Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
 * Tensor loss = x.matmul(w).relu().sum();
 * loss.backward();
 * System.out.println(w.grad()); // [3, 2]
 * }</pre>
 */
public final class Tensor {
    private final Storage storage;
    private final Shape shape;
    private boolean requiresGrad;
    private Tensor grad;
    private Node gradFn;

    private Tensor(Storage storage, Shape shape) {
        if (storage.size() != shape.numel()) {
            throw new IllegalArgumentException("tensor: storage of " + storage.size() + " floats for shape "
                    + shape + " (" + shape.numel() + " elements)");
        }
        this.storage = storage;
        this.shape = shape;
    }

    // ---- factories --------------------------------------------------------------------------------

    /**
     * A tensor over existing storage, for op and kernel implementers. The storage must hold exactly
     * {@code shape.numel()} floats.
     */
    public static Tensor fromStorage(Storage storage, Shape shape) {
        return new Tensor(storage, shape);
    }

    /**
     * A tensor of the given shape whose values are unspecified ({@code torch.empty}), for an output
     * that a kernel then writes in full. Inside a backward pass it may take over the buffer of a
     * gradient the pass no longer needs.
     */
    public static Tensor empty(Shape shape) {
        return new Tensor(GradientBuffers.take(shape.numel()), shape);
    }

    /** Zeros of the given shape. */
    public static Tensor zeros(Shape shape) {
        return new Tensor(TensorScope.allocate(shape.numel(), true), shape);
    }

    /** Zeros of the given shape. */
    public static Tensor zeros(int... dims) {
        return zeros(Shape.of(dims));
    }

    /** Ones of the given shape. */
    public static Tensor ones(int... dims) {
        return full(1f, dims);
    }

    /** A tensor filled with {@code value}. */
    public static Tensor full(float value, int... dims) {
        return full(value, Shape.of(dims));
    }

    /** A tensor filled with {@code value}. */
    public static Tensor full(float value, Shape shape) {
        Tensor t = zeros(shape);
        if (value != 0f) {
            Backends.current().fill(t.storage, 0, t.numel(), value);
        }
        return t;
    }

    /** A 0-dimensional tensor holding {@code value}. */
    public static Tensor scalar(float value) {
        return full(value, Shape.scalar());
    }

    /** {@code [0, 1, ..., n - 1]}, shape [n]. */
    public static Tensor arange(int n) {
        return arange(0f, n, 1f);
    }

    /** Values {@code start, start + step, ...} below {@code end} (above, for a negative step), as {@code torch.arange}. */
    public static Tensor arange(float start, float end, float step) {
        if (step == 0f || !Float.isFinite(start) || !Float.isFinite(end) || !Float.isFinite(step)) {
            throw new IllegalArgumentException("arange: need finite bounds and a non-zero step, got start "
                    + start + ", end " + end + ", step " + step);
        }
        int n = (int) Math.max(0, Math.ceil((end - (double) start) / step));
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (start + (double) i * step);
        }
        return new Tensor(Storage.wrap(v), Shape.of(n));
    }

    /** Uniform samples in [0, 1) from {@code rng}. */
    public static Tensor rand(Rng rng, int... dims) {
        Shape s = Shape.of(dims);
        float[] v = new float[s.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextFloat();
        }
        return new Tensor(Storage.wrap(v), s);
    }

    /** Standard normal samples from {@code rng}. */
    public static Tensor randn(Rng rng, int... dims) {
        Shape s = Shape.of(dims);
        float[] v = new float[s.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rng.nextGaussian();
        }
        return new Tensor(Storage.wrap(v), s);
    }

    /**
     * A tensor holding a copy of {@code values}, in row-major order, with the given shape; without
     * dimensions, a 1-D tensor of all the values.
     */
    public static Tensor of(float[] values, int... dims) {
        Shape s = dims.length == 0 ? Shape.of(values.length) : Shape.of(dims);
        if (s.numel() != values.length) {
            throw new IllegalArgumentException("of: " + values.length + " values do not fill shape " + s
                    + " (" + s.numel() + " elements)");
        }
        return new Tensor(Storage.wrap(values.clone()), s);
    }

    /** A 2-D tensor from rows of equal length. */
    public static Tensor of(float[][] rows) {
        int cols = rows.length == 0 ? 0 : rows[0].length;
        float[] v = new float[rows.length * cols];
        for (int r = 0; r < rows.length; r++) {
            if (rows[r].length != cols) {
                throw new IllegalArgumentException("of: row " + r + " has " + rows[r].length + " values, row 0 has "
                        + cols);
            }
            System.arraycopy(rows[r], 0, v, r * cols, cols);
        }
        return new Tensor(Storage.wrap(v), Shape.of(rows.length, cols));
    }

    /** Zeros of this tensor's shape. */
    public Tensor zerosLike() {
        return zeros(shape);
    }

    /** Ones of this tensor's shape. */
    public Tensor onesLike() {
        return full(1f, shape);
    }

    // ---- inspection -------------------------------------------------------------------------------

    public Shape shape() {
        return shape;
    }

    /** The dimensions, as a new array. */
    public int[] dims() {
        return shape.dims();
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.rank();
    }

    /** Size of dimension {@code d}. */
    public int size(int d) {
        return shape.dim(d);
    }

    /** Number of elements. */
    public int numel() {
        return shape.numel();
    }

    /** The storage behind this tensor, for op and kernel implementers. */
    public Storage storage() {
        return storage;
    }

    /** The value of a one-element tensor. */
    public float item() {
        if (numel() != 1) {
            throw new IllegalStateException("item: tensor of shape " + shape + " has " + numel()
                    + " elements, not 1");
        }
        return storage.read()[0];
    }

    /** The element at a full index. */
    public float get(int... index) {
        if (index.length != rank()) {
            throw new IllegalArgumentException("get: index of " + index.length + " coordinates for shape " + shape);
        }
        int off = 0;
        int[] strides = shape.strides();
        for (int d = 0; d < index.length; d++) {
            int i = index[d];
            if (i < 0 || i >= shape.dim(d)) {
                throw new IndexOutOfBoundsException("get: index " + i + " out of range for dimension " + d
                        + " of shape " + shape);
            }
            off += i * strides[d];
        }
        return storage.read()[off];
    }

    /** A copy of the values in row-major order. */
    public float[] toArray() {
        return java.util.Arrays.copyOf(storage.read(), numel());
    }

    /** Shape and values, PyTorch style, with long dimensions elided. */
    @Override
    public String toString() {
        return TensorFormat.format(this);
    }

    // ---- autodiff ---------------------------------------------------------------------------------

    /** Whether gradients flow to this tensor. */
    public boolean requiresGrad() {
        return requiresGrad;
    }

    /**
     * Marks a leaf tensor as a variable whose gradient backward computes; returns this tensor.
     *
     * @throws IllegalStateException on the output of an op (a non-leaf)
     */
    public Tensor requiresGrad(boolean value) {
        if (gradFn != null) {
            throw new IllegalStateException("requiresGrad: only leaf tensors can be marked; this one is the output of "
                    + gradFn.op() + " (use detach() for a leaf copy)");
        }
        requiresGrad = value;
        return this;
    }

    /** The accumulated gradient, or null before any backward reached this tensor. Same shape as this. */
    public Tensor grad() {
        return grad;
    }

    void setGrad(Tensor g) {
        grad = g == null ? null : TensorScope.escape(g);
    }

    /**
     * Drops the accumulated gradient (as PyTorch's {@code zero_grad(set_to_none=True)}). Inside a
     * {@link TensorScope} its memory goes back to the pool at once, for the next backward's gradients, and
     * a reference to the old gradient kept past this call fails when used: copy a gradient that must
     * outlive it. Outside a scope the old gradient is left to the collector.
     */
    public void zeroGrad() {
        if (grad != null) {
            TensorScope.dropGradient(grad);
        }
        grad = null;
    }

    /** The op that produced this tensor, or null for a leaf. */
    public Node gradFn() {
        return gradFn;
    }

    /** Whether this tensor was created by the user rather than by a recorded op. */
    public boolean isLeaf() {
        return gradFn == null;
    }

    void attach(Node node) {
        gradFn = node;
        requiresGrad = true;
    }

    /** Also keep this non-leaf tensor's gradient in {@link #grad()} during backward. Returns this. */
    public Tensor retainGrad() {
        if (gradFn != null) {
            gradFn.retainOutputGrad(this);
        }
        return this;
    }

    /** Backpropagates from this one-element tensor (a loss); the graph is freed afterwards. */
    public void backward() {
        if (numel() != 1) {
            throw new IllegalStateException("backward: output of shape " + shape + " is not a scalar; pass a "
                    + "gradient of that shape to backward(gradient)");
        }
        backward(full(1f, shape), false);
    }

    /** Backpropagates {@code gradient}, the gradient of some scalar with respect to this tensor. */
    public void backward(Tensor gradient) {
        backward(gradient, false);
    }

    /**
     * Backpropagates {@code gradient}; with {@code retainGraph}, the saved tensors stay so that a
     * later backward may run through the same graph.
     */
    public void backward(Tensor gradient, boolean retainGraph) {
        if (!requiresGrad) {
            throw new IllegalStateException("backward: tensor of shape " + shape
                    + " does not require grad and has no grad_fn");
        }
        if (!gradient.shape().equals(shape)) {
            throw new IllegalArgumentException("backward: gradient of shape " + gradient.shape()
                    + " for an output of shape " + shape);
        }
        BackwardPass.run(this, gradient, retainGraph);
    }

    /** A tensor sharing this one's storage, outside the graph (no grad_fn, no requiresGrad). */
    public Tensor detach() {
        return new Tensor(storage, shape);
    }

    /** A copy with its own storage, outside the graph. */
    public Tensor copy() {
        Tensor t = zeros(shape);
        Backends.current().copy(storage, 0, t.storage, 0, numel());
        return t;
    }

    // ---- in-place (not differentiable) ---------------------------------------------------------------

    /** Fills this tensor with {@code value} in place; returns this. */
    public Tensor fill(float value) {
        checkInPlace("fill");
        Backends.current().fill(storage, 0, numel(), value);
        storage.bumpVersion();
        return this;
    }

    /** Copies {@code source} (broadcast to this shape) into this tensor in place; returns this. */
    public Tensor copyFrom(Tensor source) {
        checkInPlace("copyFrom");
        if (!source.shape.broadcastsTo(shape)) {
            throw new IllegalArgumentException("copyFrom: source of shape " + source.shape
                    + " does not broadcast to " + shape);
        }
        Backends.current().stridedCopy(shape.dims(), source.storage, 0, source.shape.broadcastStrides(shape),
                storage, 0, shape.strides());
        storage.bumpVersion();
        return this;
    }

    /** {@code this += alpha * other} in place, {@code other} of this shape; returns this. */
    public Tensor addInPlace(Tensor other, float alpha) {
        checkInPlace("addInPlace");
        if (!other.shape.equals(shape)) {
            throw new IllegalArgumentException("addInPlace: shapes " + shape + " and " + other.shape + " differ");
        }
        Backends.current().axpy(numel(), alpha, other.storage, storage);
        storage.bumpVersion();
        return this;
    }

    /**
     * {@code this + other} written over this tensor's storage ({@code torch.Tensor.add_}), {@code other}
     * broadcast to this shape; returns the result, a tensor on the same storage that records the op.
     * Unlike {@link #addInPlace(Tensor, float)}, it is differentiable; not for leaves that require grad.
     */
    public Tensor addInPlace(Tensor other) {
        return Arithmetic.addInPlace(this, other);
    }

    /**
     * {@code relu(this + other)} written over this tensor's storage in one pass, as
     * {@code addInPlace(other).reluInPlace()}; other has this shape. Differentiable; not for leaves that
     * require grad.
     */
    public Tensor addReluInPlace(Tensor other) {
        return Arithmetic.addReluInPlace(this, other);
    }

    /** {@code this *= factor} in place; returns this. */
    public Tensor mulInPlace(float factor) {
        checkInPlace("mulInPlace");
        Backends.current().unary(dev.panagrad.engine.backend.UnaryOp.AFFINE, factor, -0f, storage, storage, numel());
        storage.bumpVersion();
        return this;
    }

    private void checkInPlace(String op) {
        if (requiresGrad && Grad.isEnabled()) {
            throw new IllegalStateException(op + ": in-place change of a tensor of shape " + shape
                    + " that requires grad; do it inside Grad.disabled()");
        }
    }

    // ---- element-wise -----------------------------------------------------------------------------

    /** {@code this + other}, broadcast. */
    public Tensor add(Tensor other) {
        return Arithmetic.add(this, other);
    }

    /** {@code this + value}. */
    public Tensor add(float value) {
        return Pointwise.affine(this, 1f, value);
    }

    /** {@code this - other}, broadcast. */
    public Tensor sub(Tensor other) {
        return Arithmetic.sub(this, other);
    }

    /** {@code this - value}. */
    public Tensor sub(float value) {
        return Pointwise.affine(this, 1f, -value);
    }

    /** {@code this * other}, element-wise, broadcast. */
    public Tensor mul(Tensor other) {
        return Arithmetic.mul(this, other);
    }

    /** {@code this * value}. */
    public Tensor mul(float value) {
        return Pointwise.affine(this, value, -0f);
    }

    /** {@code this / other}, element-wise, broadcast. */
    public Tensor div(Tensor other) {
        return Arithmetic.div(this, other);
    }

    /** {@code this / value}. */
    public Tensor div(float value) {
        return Arithmetic.div(this, scalar(value));
    }

    /** {@code -this}. */
    public Tensor neg() {
        return Pointwise.neg(this);
    }

    /** {@code e^this}. */
    public Tensor exp() {
        return Pointwise.exp(this);
    }

    /** Natural logarithm. */
    public Tensor log() {
        return Pointwise.log(this);
    }

    /** Square root. */
    public Tensor sqrt() {
        return Pointwise.sqrt(this);
    }

    /** {@code this ^ exponent}, element-wise. */
    public Tensor pow(float exponent) {
        return Pointwise.pow(this, exponent);
    }

    /** Absolute value. */
    public Tensor abs() {
        return Pointwise.abs(this);
    }

    /** {@code max(this, 0)}. */
    public Tensor relu() {
        return Pointwise.relu(this);
    }

    /**
     * {@code max(this, 0)} written over this tensor's storage ({@code torch.relu_}); returns the result, a
     * tensor on the same storage that records the op. Not for leaves that require grad.
     */
    public Tensor reluInPlace() {
        return Pointwise.reluInPlace(this);
    }

    /** Logistic sigmoid. */
    public Tensor sigmoid() {
        return Pointwise.sigmoid(this);
    }

    /** Hyperbolic tangent. */
    public Tensor tanh() {
        return Pointwise.tanh(this);
    }

    /** {@code min(max(this, min), max)}; pass infinities for a one-sided clamp. */
    public Tensor clamp(float min, float max) {
        return Pointwise.clamp(this, min, max);
    }

    /** The larger of the two, element-wise, broadcast; ties share the gradient equally. */
    public Tensor maximum(Tensor other) {
        return Arithmetic.maximum(this, other);
    }

    /** The smaller of the two, element-wise, broadcast; ties share the gradient equally. */
    public Tensor minimum(Tensor other) {
        return Arithmetic.minimum(this, other);
    }

    /** 1 where {@code this > other}, else 0; broadcast; not differentiable. */
    public Tensor gt(Tensor other) {
        return Arithmetic.compare(dev.panagrad.engine.backend.BinaryOp.GT, "gt", this, other);
    }

    /** 1 where {@code this > value}, else 0. */
    public Tensor gt(float value) {
        return gt(scalar(value));
    }

    /** 1 where {@code this >= other}, else 0; broadcast; not differentiable. */
    public Tensor ge(Tensor other) {
        return Arithmetic.compare(dev.panagrad.engine.backend.BinaryOp.GE, "ge", this, other);
    }

    /** 1 where {@code this < other}, else 0; broadcast; not differentiable. */
    public Tensor lt(Tensor other) {
        return Arithmetic.compare(dev.panagrad.engine.backend.BinaryOp.LT, "lt", this, other);
    }

    /** 1 where {@code this < value}, else 0. */
    public Tensor lt(float value) {
        return lt(scalar(value));
    }

    /** 1 where {@code this <= other}, else 0; broadcast; not differentiable. */
    public Tensor le(Tensor other) {
        return Arithmetic.compare(dev.panagrad.engine.backend.BinaryOp.LE, "le", this, other);
    }

    /** 1 where {@code this == other}, else 0; broadcast; not differentiable. */
    public Tensor eq(Tensor other) {
        return Arithmetic.compare(dev.panagrad.engine.backend.BinaryOp.EQ, "eq", this, other);
    }

    /** 1 where {@code this != other}, else 0; broadcast; not differentiable. */
    public Tensor ne(Tensor other) {
        return Arithmetic.compare(dev.panagrad.engine.backend.BinaryOp.NE, "ne", this, other);
    }

    /**
     * {@code condition != 0 ? a : b}, element-wise, all three broadcast together, as {@code torch.where};
     * differentiable in {@code a} and {@code b}.
     */
    public static Tensor where(Tensor condition, Tensor a, Tensor b) {
        return Arithmetic.where(condition, a, b);
    }

    // ---- reductions -------------------------------------------------------------------------------

    /** Sum of all elements, a scalar. */
    public Tensor sum() {
        return Reductions.sum(this, null, false);
    }

    /** Sum along {@code dim}, which is removed. */
    public Tensor sum(int dim) {
        return Reductions.sum(this, new int[] {dim}, false);
    }

    /** Sum along {@code dims}, kept as size 1 when {@code keepDim}. */
    public Tensor sum(int[] dims, boolean keepDim) {
        return Reductions.sum(this, dims, keepDim);
    }

    /** Sum along {@code dim}, kept as size 1 when {@code keepDim}. */
    public Tensor sum(int dim, boolean keepDim) {
        return Reductions.sum(this, new int[] {dim}, keepDim);
    }

    /** Reduces a gradient-like tensor to {@code target} by summing the dimensions broadcast from it. */
    public Tensor sumTo(Shape target) {
        return Reductions.sumTo(this, target);
    }

    /** Mean of all elements, a scalar. */
    public Tensor mean() {
        return Reductions.mean(this, null, false);
    }

    /** Mean along {@code dim}, which is removed. */
    public Tensor mean(int dim) {
        return Reductions.mean(this, new int[] {dim}, false);
    }

    /** Mean along {@code dims}, kept as size 1 when {@code keepDim}. */
    public Tensor mean(int[] dims, boolean keepDim) {
        return Reductions.mean(this, dims, keepDim);
    }

    /** Maximum of all elements; ties share the gradient equally, as {@code torch.amax}. */
    public Tensor max() {
        return Reductions.max(this, null, false);
    }

    /** Maximum along {@code dim}, kept as size 1 when {@code keepDim}. */
    public Tensor max(int dim, boolean keepDim) {
        return Reductions.max(this, new int[] {dim}, keepDim);
    }

    /** Maximum along {@code dims}, kept as size 1 when {@code keepDim}. */
    public Tensor max(int[] dims, boolean keepDim) {
        return Reductions.max(this, dims, keepDim);
    }

    /** Minimum of all elements; ties share the gradient equally, as {@code torch.amin}. */
    public Tensor min() {
        return Reductions.min(this, null, false);
    }

    /** Minimum along {@code dim}, kept as size 1 when {@code keepDim}. */
    public Tensor min(int dim, boolean keepDim) {
        return Reductions.min(this, new int[] {dim}, keepDim);
    }

    /** Minimum along {@code dims}, kept as size 1 when {@code keepDim}. */
    public Tensor min(int[] dims, boolean keepDim) {
        return Reductions.min(this, dims, keepDim);
    }

    /** Unbiased variance of all elements (divides by n - 1), as {@code torch.var}. */
    public Tensor var() {
        return Reductions.var(this, null, 1, false);
    }

    /**
     * Variance along {@code dims}, dividing by {@code n - correction} (1: unbiased, 0: population),
     * kept as size 1 when {@code keepDim}.
     */
    public Tensor var(int[] dims, int correction, boolean keepDim) {
        return Reductions.var(this, dims, correction, keepDim);
    }

    // ---- linear algebra ---------------------------------------------------------------------------

    /**
     * Matrix product with PyTorch's rules: [m, k] x [k, n] = [m, n]; batched [..., m, k] x [..., k, n]
     * with the batch dimensions broadcast; a 1-D operand is a vector (a row on the left, a column on
     * the right) whose dimension is removed from the result.
     */
    public Tensor matmul(Tensor other) {
        return LinearAlgebra.matmul(this, other);
    }

    // ---- shape and layout -------------------------------------------------------------------------

    /** The same storage with another shape of as many elements; one dimension may be -1 (inferred). */
    public Tensor reshape(int... dims) {
        return Views.reshape(this, dims);
    }

    /** Same as {@link #reshape}: storage is always contiguous, so every reshape is a view. */
    public Tensor view(int... dims) {
        return Views.reshape(this, dims);
    }

    /** All dimensions in one, shape [numel]. */
    public Tensor flatten() {
        return Views.flatten(this, 0, -1);
    }

    /** Dimensions {@code startDim..endDim} (inclusive) merged into one. */
    public Tensor flatten(int startDim, int endDim) {
        return Views.flatten(this, startDim, endDim);
    }

    /** Every dimension of size 1 removed. */
    public Tensor squeeze() {
        return Views.squeeze(this);
    }

    /** Dimension {@code dim} removed if its size is 1 (otherwise the same shape, as PyTorch). */
    public Tensor squeeze(int dim) {
        return Views.squeeze(this, dim);
    }

    /** A dimension of size 1 inserted at {@code dim} (in {@code [-rank-1, rank]}). */
    public Tensor unsqueeze(int dim) {
        return Views.unsqueeze(this, dim);
    }

    /** Broadcast to {@code dims}, copied; the gradient sums back over the broadcast dimensions. */
    public Tensor expand(int... dims) {
        return Layout.expand(this, Shape.of(dims));
    }

    /** Dimensions {@code d0} and {@code d1} swapped. */
    public Tensor transpose(int d0, int d1) {
        return Layout.transpose(this, d0, d1);
    }

    /** The transpose of a 2-D tensor. */
    public Tensor t() {
        if (rank() != 2) {
            throw new IllegalArgumentException("t: expects a 2-D tensor, got shape " + shape);
        }
        return Layout.transpose(this, 0, 1);
    }

    /** Dimensions reordered: dimension {@code i} of the result is dimension {@code order[i]} of this. */
    public Tensor permute(int... order) {
        return Layout.permute(this, order);
    }

    /** Entries {@code [start, start + length)} along {@code dim}; the range must lie inside it. */
    public Tensor narrow(int dim, int start, int length) {
        return Layout.narrow(this, dim, start, length);
    }

    /** Entries {@code start, start + step, ...} below {@code end} along {@code dim}, as {@code x[start:end:step]}. */
    public Tensor slice(int dim, int start, int end, int step) {
        return Layout.slice(this, dim, start, end, step);
    }

    /** Tensors of equal shape except along {@code dim}, joined along it. */
    public static Tensor concat(List<Tensor> tensors, int dim) {
        return Layout.concat(tensors, dim);
    }

    /** Tensors of equal shape, stacked along a new dimension {@code dim}. */
    public static Tensor stack(List<Tensor> tensors, int dim) {
        return Layout.stack(tensors, dim);
    }

    /** Entries {@code index[j]} along {@code dim}; repeated indices repeat entries. */
    public Tensor indexSelect(int dim, int... index) {
        return Indexing.indexSelect(this, dim, index);
    }

    /** {@code torch.gather}: {@code out[i][j][k] = this[index[i][j][k]][j][k]} for {@code dim = 0}, and so on. */
    public Tensor gather(int dim, IntTensor index) {
        return Indexing.gather(this, dim, index);
    }

    // ---- softmax family ---------------------------------------------------------------------------

    /** Softmax along {@code dim}. */
    public Tensor softmax(int dim) {
        return Normalization.softmax(this, dim, false);
    }

    /** Log of the softmax along {@code dim}, computed stably. */
    public Tensor logSoftmax(int dim) {
        return Normalization.softmax(this, dim, true);
    }

    /** {@code log(sum(exp(this)))} along {@code dim}, computed stably; kept as size 1 when {@code keepDim}. */
    public Tensor logSumExp(int dim, boolean keepDim) {
        return Normalization.logSumExp(this, dim, keepDim);
    }

    /** Rows scaled to unit L2 norm along {@code dim}: {@code x / max(||x||, eps)}, as {@code F.normalize}. */
    public Tensor normalize(int dim, float eps) {
        return Normalization.normalize(this, dim, eps);
    }

    /** {@link #normalize(int, float)} with {@code eps = 1e-12}. */
    public Tensor normalize(int dim) {
        return Normalization.normalize(this, dim, 1e-12f);
    }
}
