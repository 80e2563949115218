package dev.panagrad.engine.backend.simd;

import static dev.panagrad.engine.backend.simd.ConvPlan.Algorithm.BATCHED_GEMM;
import static dev.panagrad.engine.backend.simd.ConvPlan.Algorithm.CHANNEL_TILES;
import static dev.panagrad.engine.backend.simd.ConvPlan.Algorithm.DIRECT;
import static dev.panagrad.engine.backend.simd.ConvPlan.Algorithm.IM2COL_GEMM;
import static dev.panagrad.engine.backend.simd.ConvPlan.Algorithm.PHASE_TILES;
import static dev.panagrad.engine.backend.simd.ConvPlan.Algorithm.POINTWISE_GEMM;
import static org.assertj.core.api.Assertions.assertThat;

import dev.panagrad.engine.backend.ConvGeometry;
import dev.panagrad.engine.backend.contract.KernelContract;
import dev.panagrad.engine.backend.simd.ConvPlan.Algorithm;
import dev.panagrad.engine.backend.simd.ConvPlan.Pass;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Which algorithm each convolution takes, on three machines whatever machine runs the test: AVX-512
 * (channel tiles of 32, weight tiles of 9 taps), AVX2 (16 and 3), and one where the channel tiles do not
 * fit in the registers.
 */
class ConvPlanTest {
    static final ConvPlan AVX512 = new ConvPlan(32, 9, true);
    static final ConvPlan AVX2 = new ConvPlan(16, 3, true);
    static final ConvPlan NO_CHANNEL_TILES = new ConvPlan(8, 3, false);

    /** A CIFAR ResNet's layers at batch 64, and a ResNet-50 bottleneck's 1 x 1. */
    static List<Arguments> resnetLayers() {
        return List.of(
                // layer, geometry, AVX-512 {forward, input, weight}, AVX2 {forward, input, weight}
                Arguments.of("stem 3 -> 16 on 32 x 32", conv(64, 3, 32, 16, 3, 1),
                        List.of(DIRECT, DIRECT, DIRECT), List.of(DIRECT, DIRECT, CHANNEL_TILES)),
                Arguments.of("16 -> 16 on 32 x 32", conv(64, 16, 32, 16, 3, 1),
                        List.of(DIRECT, DIRECT, DIRECT), List.of(DIRECT, DIRECT, CHANNEL_TILES)),
                Arguments.of("16 -> 32, stride 2", conv(64, 16, 32, 32, 3, 2),
                        List.of(CHANNEL_TILES, IM2COL_GEMM, CHANNEL_TILES), List.of(CHANNEL_TILES, PHASE_TILES, CHANNEL_TILES)),
                Arguments.of("32 -> 64, stride 2", conv(64, 32, 16, 64, 3, 2),
                        List.of(CHANNEL_TILES, PHASE_TILES, CHANNEL_TILES), List.of(CHANNEL_TILES, PHASE_TILES, CHANNEL_TILES)),
                Arguments.of("32 -> 32 on 16 x 16", conv(64, 32, 16, 32, 3, 1),
                        List.of(CHANNEL_TILES, CHANNEL_TILES, CHANNEL_TILES), List.of(CHANNEL_TILES, CHANNEL_TILES, CHANNEL_TILES)),
                Arguments.of("64 -> 64 on 8 x 8", conv(64, 64, 8, 64, 3, 1),
                        List.of(CHANNEL_TILES, CHANNEL_TILES, CHANNEL_TILES), List.of(CHANNEL_TILES, CHANNEL_TILES, CHANNEL_TILES)),
                Arguments.of("1 x 1 shortcut 16 -> 32, stride 2", conv(64, 16, 32, 32, 1, 2),
                        List.of(IM2COL_GEMM, IM2COL_GEMM, IM2COL_GEMM), List.of(IM2COL_GEMM, IM2COL_GEMM, IM2COL_GEMM)),
                Arguments.of("1 x 1 shortcut 32 -> 64 to 8 x 8", conv(64, 32, 16, 64, 1, 2),
                        List.of(IM2COL_GEMM, IM2COL_GEMM, BATCHED_GEMM), List.of(IM2COL_GEMM, IM2COL_GEMM, BATCHED_GEMM)),
                Arguments.of("ResNet-18 at 256 x 128: 64 -> 64 on 64 x 32", new ConvGeometry(40, 64, 64, 32, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                        List.of(DIRECT, DIRECT, CHANNEL_TILES), List.of(DIRECT, DIRECT, CHANNEL_TILES)),
                Arguments.of("ResNet-18 at 256 x 128: 128 -> 128 on 32 x 16", new ConvGeometry(40, 128, 32, 16, 128, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                        List.of(DIRECT, DIRECT, CHANNEL_TILES), List.of(DIRECT, DIRECT, CHANNEL_TILES)),
                Arguments.of("ResNet-18 at 256 x 128: 256 -> 256 on 16 x 8", new ConvGeometry(40, 256, 16, 8, 256, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                        List.of(CHANNEL_TILES, CHANNEL_TILES, CHANNEL_TILES), List.of(CHANNEL_TILES, CHANNEL_TILES, CHANNEL_TILES)),
                Arguments.of("ResNet-18 at 256 x 128: 512 -> 512 on 8 x 4", new ConvGeometry(40, 512, 8, 4, 512, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                        List.of(CHANNEL_TILES, CHANNEL_TILES, BATCHED_GEMM), List.of(CHANNEL_TILES, CHANNEL_TILES, BATCHED_GEMM)),
                Arguments.of("bottleneck 1 x 1, 256 -> 64 on 64 x 32", new ConvGeometry(40, 256, 64, 32, 64, 1, 1, 1, 1, 0, 0, 1, 1, 1),
                        List.of(POINTWISE_GEMM, POINTWISE_GEMM, POINTWISE_GEMM),
                        List.of(POINTWISE_GEMM, POINTWISE_GEMM, POINTWISE_GEMM)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("resnetLayers")
    void resnetLayersTakeTheirPlannedAlgorithms(String layer, ConvGeometry g, List<Algorithm> avx512, List<Algorithm> avx2) {
        assertThat(plans(AVX512, g)).as("AVX-512").isEqualTo(avx512);
        assertThat(plans(AVX2, g)).as("AVX2").isEqualTo(avx2);
    }

    @Test
    void withoutChannelTilesTheTinyWeightGradientIsOneBatchedProduct() {
        assertThat(plans(NO_CHANNEL_TILES, conv(64, 64, 8, 64, 3, 1))).containsExactly(DIRECT, DIRECT, BATCHED_GEMM);
        assertThat(plans(NO_CHANNEL_TILES, conv(64, 16, 32, 32, 3, 2))).containsExactly(IM2COL_GEMM, IM2COL_GEMM, IM2COL_GEMM);
    }

    /** So the kernel contract, which runs the algorithms the plan picks, checks every row of the table. */
    @Test
    void theContractsConvolutionsReachEveryRowOfTheTableOnEachMachine() {
        for (ConvPlan plan : List.of(AVX512, AVX2, NO_CHANNEL_TILES)) {
            Set<ConvPlan.Rule> reached = new HashSet<>();
            for (ConvGeometry g : KernelContract.convolutions()) {
                for (Pass pass : Pass.values()) {
                    reached.add(plan.rule(pass, g));
                }
            }
            List<ConvPlan.Rule> expected = ConvPlan.TABLE.stream()
                    .filter(r -> plan.channelTilesFit() || r.algorithm() != CHANNEL_TILES && r.algorithm() != PHASE_TILES)
                    .toList();
            assertThat(reached).as(plan.toString()).containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    @Test
    void everyPassEndsInARowThatAlwaysHolds() {
        for (Pass pass : Pass.values()) {
            ConvPlan.Rule last = ConvPlan.TABLE.stream().filter(r -> r.pass() == pass).reduce((a, b) -> b).orElseThrow();
            assertThat(last.algorithm()).isEqualTo(IM2COL_GEMM);
            assertThat(last.test().test(AVX512, conv(1, 1, 1, 1, 1, 1))).isTrue();
        }
    }

    @Test
    void thisMachinesPlanUsesItsChannelTile() {
        assertThat(ConvPlan.CURRENT.channelTile()).isEqualTo(2 * jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length());
    }

    private static List<Algorithm> plans(ConvPlan plan, ConvGeometry g) {
        return List.of(plan.choose(Pass.FORWARD, g), plan.choose(Pass.INPUT_GRADIENT, g), plan.choose(Pass.WEIGHT_GRADIENT, g));
    }

    /** A square convolution with "same" padding: k x k, stride s, padding k / 2. */
    private static ConvGeometry conv(int batch, int in, int size, int out, int k, int stride) {
        return new ConvGeometry(batch, in, size, size, out, k, k, stride, stride, k / 2, k / 2, 1, 1, 1);
    }
}
