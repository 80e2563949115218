package dev.panagrad.engine.backend.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Transposes blocks of 8 rows by one vector of L lanes in registers, the step between planes (one
 * channel's positions side by side) and channels last (one position's channels side by side). A scalar
 * loop over such a block does one load and one store per float and, on the 8 x 8 and 16 x 16 planes of
 * CIFAR ResNets, cost the channel-vector convolution a tenth of its time at each end.
 *
 * <p>The network is the perfect shuffle: rows i and i + 4 are interleaved, their first halves into row
 * 2i and their second halves into row 2i + 1, three times over. With L = 8 that is the transpose of the
 * 8 x 8 block. With L = 8m, output row r holds m runs of 8 lanes; run k is column m r + k of the block:
 * lane j of run k is element m r + k of source row j. Any width that is a multiple of 8 works the same
 * way (m = 2 with AVX-512); narrower vectors ({@link #FITS} false) leave the caller to its scalar loop.
 *
 * <p>Written out with named vectors: an array of vectors would be allocated on the heap.
 */
final class Transposition {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Runs of 8 lanes per vector. */
    static final int RUNS = L / 8;
    /** Whether a vector holds whole runs of 8 lanes, the only widths this class handles. */
    static final boolean FITS = L >= 8 && L % 8 == 0;
    /** Of two vectors a, b: a's first half and b's first half, interleaved (a0 b0 a1 b1 ...). */
    private static final VectorShuffle<Float> FIRST_HALVES = interleave(0);
    /** Of two vectors a, b: their second halves, interleaved. */
    private static final VectorShuffle<Float> SECOND_HALVES = interleave(L / 2);
    /** The lanes of run k, for each k (null where a vector is one run: stores need no mask). */
    private static final VectorMask<Float>[] RUN = runs();

    private Transposition() {
    }

    /** Lane j takes lane first + j / 2 of a (j even) or of b (j odd); an index into b is written minus 2 L. */
    private static VectorShuffle<Float> interleave(int first) {
        return VectorShuffle.fromOp(S, j -> j % 2 == 0 ? first + j / 2 : first + j / 2 + L - 2 * L);
    }

    @SuppressWarnings("unchecked")
    private static VectorMask<Float>[] runs() {
        if (!FITS || RUNS == 1) {
            return null;
        }
        VectorMask<Float>[] masks = new VectorMask[RUNS];
        for (int k = 0; k < RUNS; k++) {
            int from = 8 * k;
            masks[k] = VectorMask.fromLong(S, 0xFFL << from);
        }
        return masks;
    }

    /**
     * Reads rows {@code src[from + i stride ..]}, i = 0..7, one vector each; writes column c of that
     * block (8 floats: element c of each row, in row order) to {@code dst[targets[c] ..]}, for c = 0..L-1,
     * plus {@code add[addFrom + 8 c ..]} where {@code add} is not null.
     */
    static void eightRows(float[] src, int from, int stride, float[] dst, int[] targets, float[] add, int addFrom) {
        FloatVector r0 = FloatVector.fromArray(S, src, from);
        FloatVector r1 = FloatVector.fromArray(S, src, from + stride);
        FloatVector r2 = FloatVector.fromArray(S, src, from + 2 * stride);
        FloatVector r3 = FloatVector.fromArray(S, src, from + 3 * stride);
        FloatVector r4 = FloatVector.fromArray(S, src, from + 4 * stride);
        FloatVector r5 = FloatVector.fromArray(S, src, from + 5 * stride);
        FloatVector r6 = FloatVector.fromArray(S, src, from + 6 * stride);
        FloatVector r7 = FloatVector.fromArray(S, src, from + 7 * stride);
        // three rounds of the perfect shuffle
        FloatVector s0 = r0.rearrange(FIRST_HALVES, r4);
        FloatVector s1 = r0.rearrange(SECOND_HALVES, r4);
        FloatVector s2 = r1.rearrange(FIRST_HALVES, r5);
        FloatVector s3 = r1.rearrange(SECOND_HALVES, r5);
        FloatVector s4 = r2.rearrange(FIRST_HALVES, r6);
        FloatVector s5 = r2.rearrange(SECOND_HALVES, r6);
        FloatVector s6 = r3.rearrange(FIRST_HALVES, r7);
        FloatVector s7 = r3.rearrange(SECOND_HALVES, r7);
        r0 = s0.rearrange(FIRST_HALVES, s4);
        r1 = s0.rearrange(SECOND_HALVES, s4);
        r2 = s1.rearrange(FIRST_HALVES, s5);
        r3 = s1.rearrange(SECOND_HALVES, s5);
        r4 = s2.rearrange(FIRST_HALVES, s6);
        r5 = s2.rearrange(SECOND_HALVES, s6);
        r6 = s3.rearrange(FIRST_HALVES, s7);
        r7 = s3.rearrange(SECOND_HALVES, s7);
        s0 = r0.rearrange(FIRST_HALVES, r4);
        s1 = r0.rearrange(SECOND_HALVES, r4);
        s2 = r1.rearrange(FIRST_HALVES, r5);
        s3 = r1.rearrange(SECOND_HALVES, r5);
        s4 = r2.rearrange(FIRST_HALVES, r6);
        s5 = r2.rearrange(SECOND_HALVES, r6);
        s6 = r3.rearrange(FIRST_HALVES, r7);
        s7 = r3.rearrange(SECOND_HALVES, r7);
        // Output row r holds columns RUNS r .. RUNS r + RUNS - 1. Written out rather than through a helper
        // taking a vector: C2 declines to inline one more call into this method and would box its argument.
        if (add != null) {
            s0 = s0.add(FloatVector.fromArray(S, add, addFrom));
            s1 = s1.add(FloatVector.fromArray(S, add, addFrom + L));
            s2 = s2.add(FloatVector.fromArray(S, add, addFrom + 2 * L));
            s3 = s3.add(FloatVector.fromArray(S, add, addFrom + 3 * L));
            s4 = s4.add(FloatVector.fromArray(S, add, addFrom + 4 * L));
            s5 = s5.add(FloatVector.fromArray(S, add, addFrom + 5 * L));
            s6 = s6.add(FloatVector.fromArray(S, add, addFrom + 6 * L));
            s7 = s7.add(FloatVector.fromArray(S, add, addFrom + 7 * L));
        }
        if (RUN == null) {
            s0.intoArray(dst, targets[0]);
            s1.intoArray(dst, targets[1]);
            s2.intoArray(dst, targets[2]);
            s3.intoArray(dst, targets[3]);
            s4.intoArray(dst, targets[4]);
            s5.intoArray(dst, targets[5]);
            s6.intoArray(dst, targets[6]);
            s7.intoArray(dst, targets[7]);
        } else {
            for (int k = 0; k < RUNS; k++) {
                // run k sits at lanes 8k..8k+7: shifted back by 8k so that it lands at its target
                VectorMask<Float> run = RUN[k];
                s0.intoArray(dst, targets[k] - 8 * k, run);
                s1.intoArray(dst, targets[RUNS + k] - 8 * k, run);
                s2.intoArray(dst, targets[2 * RUNS + k] - 8 * k, run);
                s3.intoArray(dst, targets[3 * RUNS + k] - 8 * k, run);
                s4.intoArray(dst, targets[4 * RUNS + k] - 8 * k, run);
                s5.intoArray(dst, targets[5 * RUNS + k] - 8 * k, run);
                s6.intoArray(dst, targets[6 * RUNS + k] - 8 * k, run);
                s7.intoArray(dst, targets[7 * RUNS + k] - 8 * k, run);
            }
        }
    }
}
