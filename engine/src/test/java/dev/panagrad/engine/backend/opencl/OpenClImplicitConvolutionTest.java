package dev.panagrad.engine.backend.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.backend.ConvGeometry;
import dev.panagrad.engine.backend.Storage;
import dev.panagrad.engine.backend.contract.KernelContract;
import dev.panagrad.engine.backend.opencl.OpenClBackend.ConvolutionAlgorithm;
import dev.panagrad.engine.backend.scalar.ScalarBackend;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The OpenCL backend's two convolution algorithms: implicit (the default, one GEMM whose operands the
 * kernel gathers from the tensors) and columns (im2col and col2im through column matrices). The kernel
 * contract checks the default on every geometry; here the columns path gets the same cases, and the
 * implicit one is held to what it promises: one launch per group, no column matrices.
 */
@Tag("opencl")
class OpenClImplicitConvolutionTest {
    private OpenClBackend be;
    private ConvolutionAlgorithm before;

    @BeforeEach
    void device() {
        be = OpenClTestSupport.backend();
        before = OpenClBackend.convolutionAlgorithm();
        OpenClBackend.useConvolutionAlgorithm(ConvolutionAlgorithm.IMPLICIT);
    }

    @AfterEach
    void restore() {
        if (before != null) {
            OpenClBackend.useConvolutionAlgorithm(before);
        }
    }

    @TestFactory
    Stream<DynamicTest> convolutionCasesMatchTheOracleThroughColumns() {
        return new KernelContract(OpenClTestSupport.backend(), 2e-6).cases().stream()
                .filter(c -> c.name().startsWith("convolution"))
                .map(c -> DynamicTest.dynamicTest(c.name(), () -> {
                    OpenClBackend.useConvolutionAlgorithm(ConvolutionAlgorithm.COLUMNS);
                    c.check().run();
                }));
    }

    /** batch 3, 4 -> 6 channels in 2 groups, 9 x 7, 3 x 3, stride 1, pad 1. */
    private static final ConvGeometry GROUPED = new ConvGeometry(3, 4, 9, 7, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2);

    @Test
    void theForwardPassIsOneLaunchPerGroupAndTakesNoArenaBeyondItsOutput() {
        Rng rng = new Rng(3);
        Storage x = Storage.wrap(Tensor.randn(rng, 3 * 4 * 9 * 7).toArray());
        Storage w = Storage.wrap(Tensor.randn(rng, 6 * 2 * 9).toArray());
        Storage b = Storage.wrap(Tensor.randn(rng, 6).toArray());
        Storage out = new Storage(3 * 6 * 9 * 7);
        be.conv2d(GROUPED, x, w, b, new Storage(out.size())); // uploads x, w and b
        long[] use = be.arenaUse();
        be.resetArenaPeak();
        OpenClBackend.Counters counted = be.counters();

        be.conv2d(GROUPED, x, w, b, out);

        assertThat(be.counters().since(counted).launches()).isEqualTo(2);
        long outputRegion = (out.size() + DeviceArena.ALIGN - 1) / DeviceArena.ALIGN * DeviceArena.ALIGN;
        assertThat(be.arenaUse()[1]).as("peak: what was in use, and the output's region").isEqualTo(use[0] + outputRegion);
        float[] expected = new float[out.size()];
        new ScalarBackend().conv2d(GROUPED, x, w, b, Storage.wrap(expected));
        assertThat(out.read()).containsExactly(expected, Offset.offset(1e-4f));
    }

    @Test
    void theWeightGradientIsOneLaunchPerGroupWhenItsSumIsShort() {
        Rng rng = new Rng(4);
        Storage x = Storage.wrap(Tensor.randn(rng, 3 * 4 * 9 * 7).toArray());
        Storage gy = Storage.wrap(Tensor.randn(rng, 3 * 6 * 9 * 7).toArray());
        Storage gw = new Storage(6 * 2 * 9);
        be.conv2dBackwardWeight(GROUPED, x, gy, new Storage(gw.size()), null);
        OpenClBackend.Counters counted = be.counters();

        be.conv2dBackwardWeight(GROUPED, x, gy, gw, null);

        // 189 positions per group: fewer than split k takes (512), so one launch each
        assertThat(be.counters().since(counted).launches()).isEqualTo(2);
        float[] expected = new float[gw.size()];
        new ScalarBackend().conv2dBackwardWeight(GROUPED, x, gy, Storage.wrap(expected), null);
        assertThat(gw.read()).containsExactly(expected, Offset.offset(1e-4f));
    }

    @Test
    void aStrideOneInputGradientIsOneLaunchPerGroupReadingTheWeightsFlipped() {
        Rng rng = new Rng(5);
        Storage gy = Storage.wrap(Tensor.randn(rng, 3 * 6 * 9 * 7).toArray());
        Storage w = Storage.wrap(Tensor.randn(rng, 6 * 2 * 9).toArray());
        Storage gx = new Storage(3 * 4 * 9 * 7);
        be.conv2dBackwardInput(GROUPED, gy, w, new Storage(gx.size()));
        OpenClBackend.Counters counted = be.counters();

        be.conv2dBackwardInput(GROUPED, gy, w, gx);

        assertThat(be.counters().since(counted).launches()).isEqualTo(2);
        float[] expected = new float[gx.size()];
        new ScalarBackend().conv2dBackwardInput(GROUPED, gy, w, Storage.wrap(expected));
        assertThat(gx.read()).containsExactly(expected, Offset.offset(1e-4f));
    }

    @Test
    void theInputGradientsConvolutionRunsFromTheOutputBackToTheInputSize() {
        // 5 x 5 kernel, dilation 2 (it spans 9), pad 3 on 11 x 10: the output is 9 x 8; the gradient's padding 2 (5 - 1) - 3 = 5
        ConvGeometry g = new ConvGeometry(2, 3, 11, 10, 4, 5, 5, 1, 1, 3, 3, 2, 2, 1);
        ConvGeometry t = OpenClBackend.inputGradientGeometry(g);

        assertThat(new int[] {g.outH(), g.outW()}).containsExactly(9, 8);
        assertThat(new int[] {t.inChannels(), t.inH(), t.inW(), t.outChannels(), t.padH(), t.padW()})
                .containsExactly(4, 9, 8, 3, 5, 5);
        assertThat(new int[] {t.outH(), t.outW()}).containsExactly(11, 10);
    }

    @Test
    void anUnknownAlgorithmNameIsRefusedWithThePropertyAndTheChoices() {
        assertThat(OpenClBackend.convolutionAlgorithm(" Columns")).isEqualTo(ConvolutionAlgorithm.COLUMNS);
        assertThatThrownBy(() -> OpenClBackend.convolutionAlgorithm("winograd"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("panagrad.opencl.convolution")
                .hasMessageContaining("'winograd'")
                .hasMessageContaining("implicit, columns");
    }

    @Test
    void theBackendsDescriptionNamesTheAlgorithm() {
        assertThat(be.describe()).endsWith(", convolutions implicit)");
        OpenClBackend.useConvolutionAlgorithm(ConvolutionAlgorithm.COLUMNS);
        assertThat(be.describe()).endsWith(", convolutions columns)");
    }
}
