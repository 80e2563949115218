package dev.panagrad.engine.backend.simd;

import dev.panagrad.engine.backend.ConvGeometry;
import dev.panagrad.engine.backend.Parallel;

/**
 * The simd backend's convolutions: each pass runs the algorithm that {@link ConvPlan} chooses for the
 * geometry, and this class holds the two loops the algorithms share.
 */
final class SimdConvolution {
    private SimdConvolution() {
    }

    static void forward(ConvGeometry g, float[] x, float[] w, float[] bias, float[] out) {
        switch (ConvPlan.CURRENT.choose(ConvPlan.Pass.FORWARD, g)) {
            case CHANNEL_TILES -> ChannelConvolution.forward(g, x, w, bias, out);
            case DIRECT -> DirectConvolution.forward(g, x, w, bias, out);
            case POINTWISE_GEMM, IM2COL_GEMM, BATCHED_GEMM, PHASE_TILES -> GemmConvolution.forward(g, x, w, bias, out);
        }
    }

    static void backwardInput(ConvGeometry g, float[] gy, float[] w, float[] gx) {
        switch (ConvPlan.CURRENT.choose(ConvPlan.Pass.INPUT_GRADIENT, g)) {
            case CHANNEL_TILES -> ChannelConvolution.backwardInput(g, gy, w, gx);
            case PHASE_TILES -> PhaseSplitInputGradient.backwardInput(g, gy, w, gx);
            case DIRECT -> DirectConvolution.backwardInput(g, gy, w, gx);
            case POINTWISE_GEMM, IM2COL_GEMM, BATCHED_GEMM -> GemmConvolution.backwardInput(g, gy, w, gx);
        }
    }

    static void backwardWeight(ConvGeometry g, float[] x, float[] gy, float[] gw, float[] gb) {
        switch (ConvPlan.CURRENT.choose(ConvPlan.Pass.WEIGHT_GRADIENT, g)) {
            case CHANNEL_TILES -> ChannelConvolution.backwardWeight(g, x, gy, gw, gb);
            case BATCHED_GEMM -> GemmConvolution.backwardWeightBatched(g, x, gy, gw, gb);
            case DIRECT -> DirectConvolution.backwardWeight(g, x, gy, gw, gb);
            case POINTWISE_GEMM, IM2COL_GEMM, PHASE_TILES -> GemmConvolution.backwardWeight(g, x, gy, gw, gb);
        }
    }

    /** out[i] = sum over c of partial[c * size + i], added in chunk order so the bits never vary. */
    static void sumChunks(float[] partial, int chunks, int size, float[] out) {
        // Split by index, so every entry still adds its chunks in order.
        Parallel.forRange(size, SimdMaps.GRAIN / Math.max(1, chunks), (i0, i1) -> {
            System.arraycopy(partial, i0, out, i0, i1 - i0);
            for (int c = 1; c < chunks; c++) {
                int off = c * size;
                for (int i = i0; i < i1; i++) {
                    out[i] += partial[off + i];
                }
            }
        });
    }

    interface ImageTask {
        void run(int image, int group);
    }

    /** Runs one task per (image, group), in parallel when there are several. */
    static void forEachImageAndGroup(ConvGeometry g, ImageTask task) {
        int tasks = g.batch() * g.groups();
        Parallel.Range body = (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                task.run(t / g.groups(), t % g.groups());
            }
        };
        if (tasks > 1 && Parallel.threads() > 1) {
            Parallel.forEach(tasks, body);
        } else {
            body.run(0, tasks);
        }
    }
}
