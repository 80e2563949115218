package dev.panagrad.engine.backend;

/**
 * The kernels every backend provides. Kernels work on {@link Storage} buffers with explicit sizes,
 * offsets and strides, never on tensors: autodiff and shape checking live above this interface, so a
 * backend only has to compute.
 *
 * <p>Conventions: all matrices are row-major; a "[outer, size, inner]" view describes a contiguous
 * tensor reshaped so that the axis being reduced or normalised has length {@code size}, with
 * {@code outer} rows before it and {@code inner} contiguous elements after it. Output storages never
 * alias inputs unless a method says so. Callers check arguments; kernels may assume them valid.
 */
public interface Backend {

    /** Short name used to choose the backend ({@code simd}, {@code scalar}, ...). */
    String name();

    /** One line for logs: the backend, its vector width or device, its thread count. */
    String describe();

    // ---- memory -------------------------------------------------------------------------------

    /** {@code dst[offset, offset + count) = value}. */
    void fill(Storage dst, int offset, int count, float value);

    /** Copies {@code count} floats. {@code src} and {@code dst} may be the same storage if the ranges do not overlap. */
    void copy(Storage src, int srcOffset, Storage dst, int dstOffset, int count);

    /**
     * Copies an n-dimensional strided region: for every index {@code i} of {@code shape},
     * {@code dst[dstOffset + i . dstStrides] = src[srcOffset + i . srcStrides]}. Source strides may be 0
     * (broadcast). Destination strides must address each element once.
     */
    void stridedCopy(int[] shape, Storage src, int srcOffset, int[] srcStrides,
                     Storage dst, int dstOffset, int[] dstStrides);

    // ---- element-wise -------------------------------------------------------------------------

    /** {@code y[i] = op(x[i]; p, q)} for {@code i < count}. {@code y} may be {@code x}. */
    void unary(UnaryOp op, float p, float q, Storage x, Storage y, int count);

    /**
     * {@code gx[i] = op.grad(x[i], y[i], gy[i]; p, q)}: the input gradient of {@link #unary}, given its
     * input, its output and the output gradient.
     */
    void unaryBackward(UnaryOp op, float p, float q, Storage x, Storage y, Storage gy, Storage gx, int count);

    /**
     * {@code out[i] = op(a[i . aStrides], b[i . bStrides])} for every index {@code i} of {@code shape};
     * {@code out} is contiguous. Broadcast operands have stride 0 along the broadcast dimensions.
     */
    void binary(BinaryOp op, int[] shape, Storage a, int[] aStrides, Storage b, int[] bStrides, Storage out);

    /** {@code y[i] += alpha * x[i]} for {@code i < count}. */
    void axpy(int count, float alpha, Storage x, Storage y);

    /**
     * One step of {@code torch.optim.SGD} on {@code count} parameters, in one pass:
     * <pre>
     * d = g + weightDecay p
     * if momentumBuffer != null: b = first ? d : momentum b + (1 - dampening) d;  d = nesterov ? d + momentum b : b
     * p = p + (-lr) d
     * </pre>
     * {@code momentumBuffer} is null for plain SGD. The oracle evaluates each line left to right in float.
     */
    void sgdStep(int count, Storage param, Storage grad, Storage momentumBuffer, boolean first, float lr,
                 float weightDecay, float momentum, float dampening, boolean nesterov);

    /**
     * {@link #sgdStep} on several tensors with the same hyper-parameters: tensor t has {@code counts[t]}
     * elements, {@code params[t]}, {@code grads[t]}, {@code momentumBuffers[t]} and {@code first[t]};
     * {@code momentumBuffers} is null for plain SGD. The default steps each tensor in turn; a backend whose
     * launches cost more than a small tensor's update may do them all in one.
     */
    default void sgdSteps(int[] counts, Storage[] params, Storage[] grads, Storage[] momentumBuffers, boolean[] first,
                          float lr, float weightDecay, float momentum, float dampening, boolean nesterov) {
        int tensors = counts.length;
        if (params.length != tensors || grads.length != tensors || first.length != tensors
                || momentumBuffers != null && momentumBuffers.length != tensors) {
            throw new IllegalArgumentException("sgdSteps: " + tensors + " counts, " + params.length + " parameters, "
                    + grads.length + " gradients, " + (momentumBuffers == null ? "no" : momentumBuffers.length)
                    + " momentum buffers and " + first.length + " first-step flags; expected one of each per tensor");
        }
        for (int t = 0; t < tensors; t++) {
            sgdStep(counts[t], params[t], grads[t], momentumBuffers == null ? null : momentumBuffers[t], first[t], lr,
                    weightDecay, momentum, dampening, nesterov);
        }
    }

    /**
     * The element-wise pass of a polynomial kernel compared on two arrays: for
     * {@code g(s) = c[0] + c[1] s + ... + c[P] s^P} and {@code d = g(a[i]) - g(b[i])}, writes
     * {@code squared[i] = d^2} and {@code weighted[i] = d g'(a[i])} for {@code i < count}. The
     * correlation-congruence loss of CCKD needs exactly this over the student's and the teacher's Gram
     * matrices: its value is the mean of {@code squared}, its gradient starts from {@code weighted}. The
     * oracle is {@link PolynomialDifference}: Horner's rule with fused multiply-adds, in float.
     */
    void polynomialDifference(float[] coefficients, Storage a, Storage b, int count, Storage squared,
                              Storage weighted);

    /**
     * {@code out[i] = cond[i] != 0 ? a[i] : b[i]} over {@code shape} with broadcast strides, as
     * {@code torch.where}; {@code out} is contiguous.
     */
    void select(int[] shape, Storage cond, int[] condStrides, Storage a, int[] aStrides,
                Storage b, int[] bStrides, Storage out);

    // ---- reductions ---------------------------------------------------------------------------

    /** Reduces {@code x} viewed as [outer, size, inner] along the middle axis into {@code out}, [outer, inner]. */
    void reduce(ReduceOp op, Storage x, int outer, int size, int inner, Storage out);

    // ---- linear algebra -----------------------------------------------------------------------

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C} with {@code op(A)} of shape m x k and {@code op(B)}
     * of shape k x n, where {@code op(X)} is X or its transpose. Row-major with leading dimensions
     * {@code lda}, {@code ldb}, {@code ldc}. When {@code beta == 0}, C is not read (NaN in C is ignored),
     * as in BLAS.
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              Storage a, int aOffset, int lda, Storage b, int bOffset, int ldb,
              float beta, Storage c, int cOffset, int ldc);

    /**
     * {@code batch} independent {@link #gemm}s, the i-th reading A at {@code aOffset + i * aStride}, B at
     * {@code bOffset + i * bStride} and writing C at {@code cOffset + i * cStride}. A stride of 0 reuses
     * one operand for every product (a broadcast batch dimension).
     */
    default void gemmBatched(int batch, boolean transA, boolean transB, int m, int n, int k, float alpha,
                             Storage a, int aOffset, int aStride, int lda,
                             Storage b, int bOffset, int bStride, int ldb,
                             float beta, Storage c, int cOffset, int cStride, int ldc) {
        for (int i = 0; i < batch; i++) {
            gemm(transA, transB, m, n, k, alpha, a, aOffset + i * aStride, lda, b, bOffset + i * bStride, ldb,
                    beta, c, cOffset + i * cStride, ldc);
        }
    }

    // ---- softmax family -----------------------------------------------------------------------

    /**
     * Softmax of {@code x} viewed as [outer, size, inner] along the middle axis, into {@code y}; with
     * {@code log}, the log-softmax. Numerically stable (the maximum is subtracted first).
     */
    void softmax(Storage x, Storage y, int outer, int size, int inner, boolean log);

    /**
     * Input gradient of {@link #softmax} from its output {@code y} and output gradient {@code gy}:
     * {@code gx = y * (gy - sum(gy * y))}, or for log-softmax {@code gx = gy - exp(y) * sum(gy)}
     * (derived in {@code engine.ops.Normalization.softmax}).
     */
    void softmaxBackward(Storage y, Storage gy, Storage gx, int outer, int size, int inner, boolean log);

    // ---- indexing -----------------------------------------------------------------------------

    /**
     * {@code out[o, j, i] = x[o, index[j], i]}: selects entries of the middle axis of {@code x}, viewed
     * as [outer, size, inner]; {@code out} is [outer, index.length, inner].
     */
    void indexSelect(Storage x, int outer, int size, int inner, int[] index, Storage out);

    /** {@code gx[o, index[j], i] += g[o, j, i]}: the adjoint of {@link #indexSelect}; repeated indices add up. */
    void indexAdd(Storage g, int outer, int size, int inner, int[] index, Storage gx);

    /**
     * {@code torch.gather}: for every index {@code i} of {@code indexShape},
     * {@code out[i] = x[i with i[dim] replaced by index[i]]}, with {@code x} addressed through
     * {@code xStrides}; {@code out} and {@code index} are contiguous of shape {@code indexShape}.
     */
    void gather(int[] indexShape, int dim, int[] index, Storage x, int[] xStrides, Storage out);

    /** The adjoint of {@link #gather}: {@code gx[i with i[dim] = index[i]] += g[i]}; repeated indices add up. */
    void scatterAdd(int[] indexShape, int dim, int[] index, Storage g, Storage gx, int[] gxStrides);

    // ---- convolution ----------------------------------------------------------------------------

    /**
     * 2-D convolution (cross-correlation, as PyTorch) of NCHW {@code x} with {@code weight}
     * [outChannels, inChannels / groups, kH, kW], plus {@code bias} [outChannels] when not null, into
     * {@code out} [batch, outChannels, outH, outW], which is overwritten.
     */
    void conv2d(ConvGeometry g, Storage x, Storage weight, Storage bias, Storage out);

    /** Input gradient of {@link #conv2d}: {@code gradX} [batch, inChannels, inH, inW] is overwritten. */
    void conv2dBackwardInput(ConvGeometry g, Storage gradOut, Storage weight, Storage gradX);

    /**
     * Weight (and bias, when {@code gradBias} is not null) gradients of {@link #conv2d}, summed over the
     * batch; {@code gradWeight} and {@code gradBias} are overwritten.
     */
    void conv2dBackwardWeight(ConvGeometry g, Storage x, Storage gradOut, Storage gradWeight, Storage gradBias);

    // ---- pooling --------------------------------------------------------------------------------

    /** Max pooling; padding counts as -infinity. */
    void maxPool2d(PoolGeometry g, Storage x, Storage out);

    /**
     * Input gradient of {@link #maxPool2d}: each output gradient goes to the first maximum of its window
     * (in row-major window order, as PyTorch); {@code gradX} is overwritten.
     */
    void maxPool2dBackward(PoolGeometry g, Storage x, Storage gradOut, Storage gradX);

    /** Average pooling; padding counts as zeros and is included in the divisor ({@code count_include_pad=True}). */
    void avgPool2d(PoolGeometry g, Storage x, Storage out);

    /** Input gradient of {@link #avgPool2d}; {@code gradX} is overwritten. */
    void avgPool2dBackward(PoolGeometry g, Storage gradOut, Storage gradX);

    /**
     * Adaptive average pooling of [planes, inH, inW] to [planes, outH, outW]: output cell (i, j) averages
     * rows {@code floor(i inH / outH)} to {@code ceil((i + 1) inH / outH)} (exclusive), and likewise
     * columns, as {@code torch.nn.AdaptiveAvgPool2d}.
     */
    void adaptiveAvgPool2d(int planes, int inH, int inW, int outH, int outW, Storage x, Storage out);

    /** Input gradient of {@link #adaptiveAvgPool2d}; {@code gradX} is overwritten. */
    void adaptiveAvgPool2dBackward(int planes, int inH, int inW, int outH, int outW, Storage gradOut, Storage gradX);

    // ---- batch normalisation ----------------------------------------------------------------------

    /**
     * Per-channel mean and biased variance of {@code x} viewed as [batch, channels, spatial], over batch
     * and spatial positions (two passes: the mean, then squared deviations from it).
     */
    void batchNormStatistics(Storage x, int batch, int channels, int spatial, Storage mean, Storage variance);

    /** {@code y[n, c, s] = x[n, c, s] * scale[c] + shift[c]}: normalisation and affine in one pass. */
    void channelAffine(Storage x, int batch, int channels, int spatial, Storage scale, Storage shift, Storage y);

    /**
     * Gradients of {@code y = (x - mean) invStd gamma + beta} per channel, {@code gradGamma},
     * {@code gradBeta} and {@code gradX}, in training mode (statistics from this batch) or not; the
     * formulas and their derivation are in {@code engine.ops.BatchNormalization}. {@code gamma} null
     * means 1. Outputs are overwritten; null outputs are skipped.
     */
    void batchNormBackward(Storage x, Storage gradOut, int batch, int channels, int spatial, Storage mean,
                           Storage invStd, Storage gamma, boolean training, Storage gradX, Storage gradGamma,
                           Storage gradBeta);

    /**
     * Batch norm's per-channel constants from the statistics it normalises with: {@code invStd =
     * (variance + eps)^-1/2}, {@code scale = gamma invStd}, {@code shift = beta - mean scale} (gamma null
     * means 1, beta null 0); the math is in {@code engine.ops.BatchNormalization}. The default is the
     * definition, five element-wise kernels over the channels; a backend whose launches cost more than
     * that work may do it in one.
     */
    default void batchNormScaleShift(int channels, Storage mean, Storage variance, Storage gamma, Storage beta, float eps,
                                     Storage invStd, Storage scale, Storage shift) {
        int[] shape = {channels};
        int[] unit = {1};
        unary(UnaryOp.AFFINE, 1f, eps, variance, invStd, channels);
        unary(UnaryOp.POW, -0.5f, 0f, invStd, invStd, channels);
        if (gamma == null) {
            copy(invStd, 0, scale, 0, channels);
        } else {
            binary(BinaryOp.MUL, shape, gamma, unit, invStd, unit, scale);
        }
        binary(BinaryOp.MUL, shape, mean, unit, scale, unit, shift);
        if (beta == null) {
            unary(UnaryOp.NEG, 0f, 0f, shift, shift, channels);
        } else {
            binary(BinaryOp.SUB, shape, beta, unit, shift, unit, shift);
        }
    }

    /**
     * Batch norm in training, everything per channel before the normalisation itself: the batch's mean and
     * biased variance ({@link #batchNormStatistics}), the running statistics' update when both are given
     * ({@link #batchNormRunningUpdate}, the variance made unbiased by n / (n - 1) for n = batch spatial),
     * then invStd, scale and shift ({@link #batchNormScaleShift}). The default is those three calls; a
     * backend whose launches are dear may do all but the sums in one pass.
     */
    default void batchNormTraining(Storage x, int batch, int channels, int spatial, float eps, float momentum,
                                   Storage gamma, Storage beta, Storage runningMean, Storage runningVar,
                                   Storage mean, Storage variance, Storage invStd, Storage scale, Storage shift) {
        batchNormStatistics(x, batch, channels, spatial, mean, variance);
        if (runningMean != null && runningVar != null) {
            int count = batch * spatial;
            batchNormRunningUpdate(channels, momentum, mean, variance, count / (count - 1f), runningMean, runningVar);
        }
        batchNormScaleShift(channels, mean, variance, gamma, beta, eps, invStd, scale, shift);
    }

    /**
     * Batch norm's running statistics after a training batch, in place: {@code runningMean = (1 - momentum)
     * runningMean + momentum mean} and {@code runningVar = (1 - momentum) runningVar + momentum
     * varianceFactor variance} (the factor n / (n - 1) makes the batch's variance unbiased, as PyTorch).
     * The default is the definition, a scaling and an axpy for each.
     */
    default void batchNormRunningUpdate(int channels, float momentum, Storage mean, Storage variance,
                                        float varianceFactor, Storage runningMean, Storage runningVar) {
        unary(UnaryOp.AFFINE, 1f - momentum, -0f, runningMean, runningMean, channels);
        axpy(channels, momentum, mean, runningMean);
        unary(UnaryOp.AFFINE, 1f - momentum, -0f, runningVar, runningVar, channels);
        axpy(channels, momentum * varianceFactor, variance, runningVar);
    }

    // ---- fusions: each default is the definition, two kernels; a backend may do it in one pass ----------

    /** {@code y = max(x * scale[c] + shift[c], 0)}: {@link #channelAffine}, then ReLU, without writing y twice. */
    default void channelAffineRelu(Storage x, int batch, int channels, int spatial, Storage scale, Storage shift,
                                   Storage y) {
        channelAffine(x, batch, channels, spatial, scale, shift, y);
        unary(UnaryOp.RELU, 0f, 0f, y, y, batch * channels * spatial);
    }

    /**
     * {@link #batchNormBackward} of the gradient that flows back through a ReLU with output {@code y}:
     * {@code gradOut} where {@code y > 0}, else 0. Fused, the masked gradient is never written.
     */
    default void batchNormReluBackward(Storage x, Storage y, Storage gradOut, int batch, int channels, int spatial,
                                       Storage mean, Storage invStd, Storage gamma, boolean training, Storage gradX,
                                       Storage gradGamma, Storage gradBeta) {
        int count = batch * channels * spatial;
        Storage masked = new Storage(count);
        unaryBackward(UnaryOp.RELU, 0f, 0f, y, y, gradOut, masked, count);
        batchNormBackward(x, masked, batch, channels, spatial, mean, invStd, gamma, training, gradX, gradGamma,
                gradBeta);
    }

    /** {@code out = max(a + b, 0)} over {@code count} elements of equal shape; out may be a. */
    default void addRelu(Storage a, Storage b, Storage out, int count) {
        binary(BinaryOp.ADD, new int[] {count}, a, new int[] {1}, b, new int[] {1}, out);
        unary(UnaryOp.RELU, 0f, 0f, out, out, count);
    }
}
