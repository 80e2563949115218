package dev.panagrad.engine.profile;

import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.backend.BinaryOp;
import dev.panagrad.engine.backend.ConvGeometry;
import dev.panagrad.engine.backend.PoolGeometry;
import dev.panagrad.engine.backend.ReduceOp;
import dev.panagrad.engine.backend.Storage;
import dev.panagrad.engine.backend.UnaryOp;

/**
 * A backend that runs every kernel on another backend and records, per kernel (and per op code or
 * convolution kind), the calls, the time and the floating-point operations, for {@link OpProfiler}.
 */
final class ProfilingBackend implements Backend {
    private final Backend delegate;
    private final OpProfiler profiler;

    ProfilingBackend(Backend inner, OpProfiler profiler) {
        this.delegate = inner;
        this.profiler = profiler;
    }

    /** The backend doing the work. */
    Backend inner() {
        return delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public String describe() {
        return delegate.describe() + ", profiled";
    }

    @Override
    public boolean hostMemory() {
        return delegate.hostMemory();
    }

    private static String convKey(String pass, ConvGeometry g) {
        // One row per layer shape: the same kernel runs at very different speeds on 32 x 32 and 8 x 8 planes.
        return pass + " " + g.kernelH() + "x" + g.kernelW() + " " + g.inChannels() + "->" + g.outChannels() + " on "
                + g.inH() + "x" + g.inW() + (g.strideH() == 1 && g.strideW() == 1 ? "" : " stride " + g.strideH());
    }

    private static double convFlops(ConvGeometry g) {
        return 2.0 * g.batch() * g.outChannels() * g.outH() * g.outW() * g.patchSize();
    }

    @Override
    public void fill(Storage dst, int offset, int count, float value) {
        long start = System.nanoTime();
        delegate.fill(dst, offset, count, value);
        profiler.record("fill", System.nanoTime() - start, 0);
    }

    @Override
    public void copy(Storage src, int srcOffset, Storage dst, int dstOffset, int count) {
        long start = System.nanoTime();
        delegate.copy(src, srcOffset, dst, dstOffset, count);
        profiler.record("copy", System.nanoTime() - start, 0);
    }

    @Override
    public void stridedCopy(int[] shape, Storage src, int srcOffset, int[] srcStrides, Storage dst, int dstOffset, int[] dstStrides) {
        long start = System.nanoTime();
        delegate.stridedCopy(shape, src, srcOffset, srcStrides, dst, dstOffset, dstStrides);
        profiler.record("stridedCopy", System.nanoTime() - start, 0);
    }

    @Override
    public void unary(UnaryOp op, float p, float q, Storage x, Storage y, int count) {
        long start = System.nanoTime();
        delegate.unary(op, p, q, x, y, count);
        profiler.record("unary " + op, System.nanoTime() - start, 0);
    }

    @Override
    public void unaryBackward(UnaryOp op, float p, float q, Storage x, Storage y, Storage gy, Storage gx, int count) {
        long start = System.nanoTime();
        delegate.unaryBackward(op, p, q, x, y, gy, gx, count);
        profiler.record("unaryBackward " + op, System.nanoTime() - start, 0);
    }

    @Override
    public void binary(BinaryOp op, int[] shape, Storage a, int[] aStrides, Storage b, int[] bStrides, Storage out) {
        long start = System.nanoTime();
        delegate.binary(op, shape, a, aStrides, b, bStrides, out);
        profiler.record("binary " + op, System.nanoTime() - start, 0);
    }

    @Override
    public void axpy(int count, float alpha, Storage x, Storage y) {
        long start = System.nanoTime();
        delegate.axpy(count, alpha, x, y);
        profiler.record("axpy", System.nanoTime() - start, 2.0 * count);
    }

    @Override
    public void sgdStep(int count, Storage param, Storage grad, Storage momentumBuffer, boolean first, float lr,
                        float weightDecay, float momentum, float dampening, boolean nesterov) {
        long start = System.nanoTime();
        delegate.sgdStep(count, param, grad, momentumBuffer, first, lr, weightDecay, momentum, dampening, nesterov);
        profiler.record("sgdStep", System.nanoTime() - start, 0);
    }

    @Override
    public void select(int[] shape, Storage cond, int[] condStrides, Storage a, int[] aStrides, Storage b, int[] bStrides, Storage out) {
        long start = System.nanoTime();
        delegate.select(shape, cond, condStrides, a, aStrides, b, bStrides, out);
        profiler.record("select", System.nanoTime() - start, 0);
    }

    @Override
    public void reduce(ReduceOp op, Storage x, int outer, int size, int inner, Storage out) {
        long start = System.nanoTime();
        delegate.reduce(op, x, outer, size, inner, out);
        profiler.record("reduce " + op, System.nanoTime() - start, 0);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Storage a, int aOffset, int lda, Storage b, int bOffset, int ldb, float beta, Storage c, int cOffset, int ldc) {
        long start = System.nanoTime();
        delegate.gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
        profiler.record("gemm", System.nanoTime() - start, 2.0 * m * n * k);
    }

    @Override
    public void gemmBatched(int batch, boolean transA, boolean transB, int m, int n, int k, float alpha, Storage a, int aOffset, int aStride, int lda, Storage b, int bOffset, int bStride, int ldb, float beta, Storage c, int cOffset, int cStride, int ldc) {
        long start = System.nanoTime();
        delegate.gemmBatched(batch, transA, transB, m, n, k, alpha, a, aOffset, aStride, lda, b, bOffset, bStride, ldb, beta, c, cOffset, cStride, ldc);
        profiler.record("gemmBatched", System.nanoTime() - start, 2.0 * batch * m * n * k);
    }

    @Override
    public void softmax(Storage x, Storage y, int outer, int size, int inner, boolean log) {
        long start = System.nanoTime();
        delegate.softmax(x, y, outer, size, inner, log);
        profiler.record(log ? "logSoftmax" : "softmax", System.nanoTime() - start, 0);
    }

    @Override
    public void softmaxBackward(Storage y, Storage gy, Storage gx, int outer, int size, int inner, boolean log) {
        long start = System.nanoTime();
        delegate.softmaxBackward(y, gy, gx, outer, size, inner, log);
        profiler.record(log ? "logSoftmaxBackward" : "softmaxBackward", System.nanoTime() - start, 0);
    }

    @Override
    public void indexSelect(Storage x, int outer, int size, int inner, int[] index, Storage out) {
        long start = System.nanoTime();
        delegate.indexSelect(x, outer, size, inner, index, out);
        profiler.record("indexSelect", System.nanoTime() - start, 0);
    }

    @Override
    public void indexAdd(Storage g, int outer, int size, int inner, int[] index, Storage gx) {
        long start = System.nanoTime();
        delegate.indexAdd(g, outer, size, inner, index, gx);
        profiler.record("indexAdd", System.nanoTime() - start, 0);
    }

    @Override
    public void gather(int[] indexShape, int dim, int[] index, Storage x, int[] xStrides, Storage out) {
        long start = System.nanoTime();
        delegate.gather(indexShape, dim, index, x, xStrides, out);
        profiler.record("gather", System.nanoTime() - start, 0);
    }

    @Override
    public void scatterAdd(int[] indexShape, int dim, int[] index, Storage g, Storage gx, int[] gxStrides) {
        long start = System.nanoTime();
        delegate.scatterAdd(indexShape, dim, index, g, gx, gxStrides);
        profiler.record("scatterAdd", System.nanoTime() - start, 0);
    }

    @Override
    public void conv2d(ConvGeometry g, Storage x, Storage weight, Storage bias, Storage out) {
        long start = System.nanoTime();
        delegate.conv2d(g, x, weight, bias, out);
        profiler.record(convKey("conv2d", g), System.nanoTime() - start, convFlops(g));
    }

    @Override
    public void conv2dBackwardInput(ConvGeometry g, Storage gradOut, Storage weight, Storage gradX) {
        long start = System.nanoTime();
        delegate.conv2dBackwardInput(g, gradOut, weight, gradX);
        profiler.record(convKey("conv2dBackwardInput", g), System.nanoTime() - start, convFlops(g));
    }

    @Override
    public void conv2dBackwardWeight(ConvGeometry g, Storage x, Storage gradOut, Storage gradWeight, Storage gradBias) {
        long start = System.nanoTime();
        delegate.conv2dBackwardWeight(g, x, gradOut, gradWeight, gradBias);
        profiler.record(convKey("conv2dBackwardWeight", g), System.nanoTime() - start, convFlops(g));
    }

    @Override
    public void maxPool2d(PoolGeometry g, Storage x, Storage out) {
        long start = System.nanoTime();
        delegate.maxPool2d(g, x, out);
        profiler.record("maxPool2d", System.nanoTime() - start, 0);
    }

    @Override
    public void maxPool2dBackward(PoolGeometry g, Storage x, Storage gradOut, Storage gradX) {
        long start = System.nanoTime();
        delegate.maxPool2dBackward(g, x, gradOut, gradX);
        profiler.record("maxPool2dBackward", System.nanoTime() - start, 0);
    }

    @Override
    public void avgPool2d(PoolGeometry g, Storage x, Storage out) {
        long start = System.nanoTime();
        delegate.avgPool2d(g, x, out);
        profiler.record("avgPool2d", System.nanoTime() - start, 0);
    }

    @Override
    public void avgPool2dBackward(PoolGeometry g, Storage gradOut, Storage gradX) {
        long start = System.nanoTime();
        delegate.avgPool2dBackward(g, gradOut, gradX);
        profiler.record("avgPool2dBackward", System.nanoTime() - start, 0);
    }

    @Override
    public void adaptiveAvgPool2d(int planes, int inH, int inW, int outH, int outW, Storage x, Storage out) {
        long start = System.nanoTime();
        delegate.adaptiveAvgPool2d(planes, inH, inW, outH, outW, x, out);
        profiler.record("adaptiveAvgPool2d", System.nanoTime() - start, 0);
    }

    @Override
    public void adaptiveAvgPool2dBackward(int planes, int inH, int inW, int outH, int outW, Storage gradOut, Storage gradX) {
        long start = System.nanoTime();
        delegate.adaptiveAvgPool2dBackward(planes, inH, inW, outH, outW, gradOut, gradX);
        profiler.record("adaptiveAvgPool2dBackward", System.nanoTime() - start, 0);
    }

    @Override
    public void batchNormStatistics(Storage x, int batch, int channels, int spatial, Storage mean, Storage variance) {
        long start = System.nanoTime();
        delegate.batchNormStatistics(x, batch, channels, spatial, mean, variance);
        profiler.record("batchNormStatistics", System.nanoTime() - start, 0);
    }

    @Override
    public void channelAffine(Storage x, int batch, int channels, int spatial, Storage scale, Storage shift, Storage y) {
        long start = System.nanoTime();
        delegate.channelAffine(x, batch, channels, spatial, scale, shift, y);
        profiler.record("channelAffine", System.nanoTime() - start, 0);
    }

    @Override
    public void batchNormBackward(Storage x, Storage gradOut, int batch, int channels, int spatial, Storage mean, Storage invStd, Storage gamma, boolean training, Storage gradX, Storage gradGamma, Storage gradBeta) {
        long start = System.nanoTime();
        delegate.batchNormBackward(x, gradOut, batch, channels, spatial, mean, invStd, gamma, training, gradX, gradGamma, gradBeta);
        profiler.record("batchNormBackward", System.nanoTime() - start, 0);
    }
}
