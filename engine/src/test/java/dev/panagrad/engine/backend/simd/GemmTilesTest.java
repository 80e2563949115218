package dev.panagrad.engine.backend.simd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * GEMM's register tiles: which ones a machine offers, which one a product of a given shape takes, and
 * that every written tile computes the product, whatever the machine runs by default.
 */
@Tag("kernels")
class GemmTilesTest {
    private static final RegisterTile SIX_BY_TWO = RegisterTile.of(6, 2);
    private static final RegisterTile FIVE_BY_TWO = RegisterTile.of(5, 2);
    private static final RegisterTile THREE_BY_THREE = RegisterTile.of(3, 3);

    private static VectorMachine machine(int bits, int registers) {
        return new VectorMachine("amd64", bits, registers, "test", 1 << 20, "test");
    }

    @Test
    void thirtyTwoRegistersOfferTheSixByTwoTileAlone() {
        assertThat(GemmKernel.tiles(machine(512, 32), null)).containsExactly(SIX_BY_TWO);
        assertThat(GemmKernel.tiles(machine(256, 32), null)).containsExactly(SIX_BY_TWO);
    }

    @Test
    void sixteenRegistersOfferFiveByTwoThenThreeByThree() {
        assertThat(GemmKernel.tiles(machine(256, 16), null)).containsExactly(FIVE_BY_TWO, THREE_BY_THREE);
        assertThat(GemmKernel.tiles(machine(128, 16), null)).containsExactly(FIVE_BY_TWO, THREE_BY_THREE);
    }

    @Test
    void fewerRegistersOfferOnlyTheSmallestTile() {
        assertThat(GemmKernel.tiles(machine(128, 8), null)).containsExactly(THREE_BY_THREE);
    }

    @Test
    void aForcedTileIsTheOnlyOneOffered() {
        assertThat(GemmKernel.tiles(machine(512, 32), "5x2")).containsExactly(FIVE_BY_TWO);
        assertThatThrownBy(() -> GemmKernel.tiles(machine(256, 16), "4x4"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4x4");
    }

    @Test
    void aProductTakesTheTileThatPadsItLeast() {
        List<RegisterTile> avx2 = List.of(FIVE_BY_TWO, THREE_BY_THREE);
        // 8 lanes: 5 x 2 covers 5 x 16 entries, 3 x 3 covers 3 x 24.
        // 512 x 512: 515 x 512 = 263680 against 513 x 528 = 270864.
        assertThat(GemmKernel.tileFor(avx2, 8, 512, 512)).isEqualTo(FIVE_BY_TWO);
        // 16 x 1024 (16 output channels): 20 x 1024 = 20480 against 18 x 1032 = 18576.
        assertThat(GemmKernel.tileFor(avx2, 8, 16, 1024)).isEqualTo(THREE_BY_THREE);
        // 32 x 288: 35 x 288 = 10080 against 33 x 288 = 9504.
        assertThat(GemmKernel.tileFor(avx2, 8, 32, 288)).isEqualTo(THREE_BY_THREE);
        // 64 x 64: 65 x 64 = 4160 against 66 x 72 = 4752.
        assertThat(GemmKernel.tileFor(avx2, 8, 64, 64)).isEqualTo(FIVE_BY_TWO);
    }

    @Test
    void onATieTheEarlierTileWins() {
        // 15 x 48: 15 x 48 = 720 both ways.
        assertThat(GemmKernel.tileFor(List.of(FIVE_BY_TWO, THREE_BY_THREE), 8, 15, 48)).isEqualTo(FIVE_BY_TWO);
        assertThat(GemmKernel.tileFor(List.of(THREE_BY_THREE, FIVE_BY_TWO), 8, 15, 48)).isEqualTo(THREE_BY_THREE);
    }

    @Test
    void atDepth1024TheDataTlbBoundsTheBlockOfA() {
        // 5 x 16 at AVX2: a B sliver is 16 x 1024 floats = 16 pages; each row of A (4 KB) and of C costs a
        // page: (64 - 16) / 2 = 24 rows, 4 whole slivers
        assertThat(GemmKernel.blockRows(5, 16, 1024, 1 << 20)).isEqualTo(20);
        // 3 x 24: (64 - 24) / 2 = 20 rows, 6 slivers
        assertThat(GemmKernel.blockRows(3, 24, 1024, 1 << 20)).isEqualTo(18);
    }

    @Test
    void shallowBlocksTakeMoreRowsWithinTheSameTlbReach() {
        // depth 64: a row of A is 256 bytes (1/16 page), the B sliver one page: 63 / (1/16 + 1) = 59.3 rows
        assertThat(GemmKernel.blockRows(5, 16, 64, 1 << 20)).isEqualTo(55);
    }

    @Test
    void aSmallL2BoundsTheBlockBeforeTheTlbDoes() {
        // depth 256, 64 KB of L2: half of it holds 32 KB / 1 KB = 32 rows; the TLB would allow
        // (64 - 4) / (1/4 + 1) = 48
        assertThat(GemmKernel.blockRows(5, 16, 256, 64 << 10)).isEqualTo(30);
    }

    @Test
    void aBlockHoldsAtLeastFourSlivers() {
        // 6 x 32 at AVX-512: (64 - 32) / 2 = 16 rows would be 2 slivers
        assertThat(GemmKernel.blockRows(6, 32, 1024, 1 << 20)).isEqualTo(4 * 6);
    }

    @Test
    void everyWrittenTileComputesTheProduct() {
        // Shapes with partial tiles in both directions, both transposes of A, and more than one k-block.
        int[][] shapes = {{1, 1, 1}, {7, 9, 5}, {31, 50, 33}, {64, 70, 17}, {13, 40, GemmKernel.KC + 9}};
        for (RegisterTile tile : GemmKernel.WRITTEN) {
            for (int[] shape : shapes) {
                for (boolean transA : new boolean[] {false, true}) {
                    assertProduct(tile, transA, shape[0], shape[1], shape[2], 1f, 0f);
                }
            }
            assertProduct(tile, false, 23, 37, 19, -0.5f, 2f);
        }
    }

    @Test
    void aTileThatIsNotWrittenIsRejected() {
        float[] one = {1f};
        assertThatThrownBy(() -> GemmKernel.gemm(RegisterTile.of(4, 4), false, 1, 1, 1, 1f, one, 0, 1,
                rowMajorPacker(one, 1), 0f, new float[1], 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gemm").hasMessageContaining("4x4");
    }

    /**
     * {@code C = alpha op(A) B + beta C} through {@code tile} against a double-precision sum. Each entry
     * may differ by the rounding of k products and sums in float: k ulps of the sum of |terms|.
     */
    private static void assertProduct(RegisterTile tile, boolean transA, int m, int n, int k, float alpha, float beta) {
        Random random = new Random(m * 31L + n * 7L + k);
        float[] a = randoms(random, m * k);
        float[] b = randoms(random, k * n);
        float[] c = randoms(random, m * n);
        float[] expected = new float[m * n];
        double[] bound = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                double magnitude = 0;
                for (int p = 0; p < k; p++) {
                    double term = (double) (transA ? a[p * m + i] : a[i * k + p]) * b[p * n + j];
                    sum += term;
                    magnitude += Math.abs(term);
                }
                expected[i * n + j] = (float) (alpha * sum + beta * c[i * n + j]);
                bound[i * n + j] = (k + 2) * Math.ulp(1f) * (Math.abs(alpha) * magnitude + Math.abs(beta * c[i * n + j]));
            }
        }
        GemmKernel.gemm(tile, transA, m, n, k, alpha, a, 0, transA ? m : k, rowMajorPacker(b, n), beta, c, 0, n);
        for (int e = 0; e < m * n; e++) {
            assertThat((double) c[e]).as("tile %s, transA %s, %d x %d x %d, entry (%d, %d)", tile, transA, m, n, k,
                    e / n, e % n).isCloseTo(expected[e], org.assertj.core.data.Offset.offset(bound[e] + Float.MIN_NORMAL));
        }
    }

    /** Packs a row-major k x n matrix with leading dimension ldb, as GemmKernel.PanelPacker specifies. */
    private static GemmKernel.PanelPacker rowMajorPacker(float[] b, int ldb) {
        return (p0, kc, j0, nr, sliverCols, dst, offset) -> {
            for (int p = 0; p < kc; p++) {
                for (int j = 0; j < sliverCols; j++) {
                    dst[offset + p * sliverCols + j] = j < nr ? b[(p0 + p) * ldb + j0 + j] : 0f;
                }
            }
        };
    }

    private static float[] randoms(Random random, int size) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = random.nextFloat() * 2 - 1;
        }
        return values;
    }
}
