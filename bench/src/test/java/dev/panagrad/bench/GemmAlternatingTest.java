package dev.panagrad.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.panagrad.engine.backend.simd.GemmKernel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class GemmAlternatingTest {
    /** Where this test's own engine classes come from: a directory or a jar. */
    private static String engineClasspath() throws Exception {
        return Path.of(GemmKernel.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    /** What a 3.5 s run of {@code product} prints, this test's engine as both builds "before" and "after". */
    private static String[] linesPrintedFor(String product) throws Throwable {
        String engine = engineClasspath();
        return StandardOutput.linesOf(
                () -> GemmAlternating.main(new String[] {product, "3.5", "before=" + engine, "after=" + engine}));
    }

    @Test
    void speedRatioIsTheBaselinesTimeOverTheOthers() {
        assertThat(GemmAlternating.speedRatios(new double[] {2, 4, 3}, new double[] {1, 4, 6}))
                .containsExactly(2.0, 1.0, 0.5);
    }

    @Test
    void quantileTakesTheNearestRankBelow() {
        double[] values = {5, 1, 3, 2, 4};
        assertThat(GemmAlternating.quantile(values, 0.25)).isEqualTo(2.0);
        assertThat(GemmAlternating.quantile(values, 0.5)).isEqualTo(3.0);
        assertThat(GemmAlternating.quantile(values, 0.75)).isEqualTo(4.0);
        assertThat(GemmAlternating.quantile(values, 1.0)).isEqualTo(5.0);
    }

    @Test
    void eachBuildGetsItsOwnCopyOfTheKernel() throws Exception {
        Class<?> first = GemmAlternating.kernelOf(engineClasspath());
        Class<?> second = GemmAlternating.kernelOf(engineClasspath());
        assertThat(first.getName()).isEqualTo(GemmKernel.class.getName());
        assertThat(first).isNotSameAs(second).isNotSameAs(GemmKernel.class);
        assertThat(first.getClassLoader()).isNotSameAs(second.getClassLoader());
    }

    @Test
    void reportsEveryBuildAndTheRatioAgainstTheBaseline() throws Throwable {
        String[] lines = linesPrintedFor("48");
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).startsWith("before").contains("n=48").containsPattern("products=[1-9]\\d*");
        assertThat(lines[1]).startsWith("after").contains("n=48");
        assertThat(lines[2]).startsWith("after against before, per pair: median ");
        double median = Double.parseDouble(lines[2].replaceAll(".*median ([0-9.]+),.*", "$1"));
        assertThat(median).isPositive();
    }

    @Test
    void aBuildIsALabelAndAClasspath() {
        assertThat(GemmAlternating.Build.parse("after=a.jar:b", "GemmAlternating"))
                .isEqualTo(new GemmAlternating.Build("after", "a.jar:b"));
        assertThatThrownBy(() -> GemmAlternating.Build.parse("a.jar", "BuildsAlternating"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("BuildsAlternating: expected label=classpath, got 'a.jar'");
    }

    @Test
    void aProductIsSquareOrGivenAsMxNxK() {
        assertThat(GemmAlternating.Shape.parse("512")).isEqualTo(new GemmAlternating.Shape(512, 512, 512, false));
        assertThat(GemmAlternating.Shape.parse("64x576x4096")).isEqualTo(new GemmAlternating.Shape(64, 576, 4096, false));
        assertThat(GemmAlternating.Shape.parse("576x4096x64t")).isEqualTo(new GemmAlternating.Shape(576, 4096, 64, true));
        assertThat(GemmAlternating.Shape.parse("576x4096x64t")).hasToString("m=576 n=4096 k=64 (A transposed)");
    }

    @Test
    void aProductItCannotReadIsRefusedWithTheText() {
        for (String bad : new String[] {"64x576", "12t", "0x4x4", "axbxc"}) {
            assertThatThrownBy(() -> GemmAlternating.Shape.parse(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("GemmAlternating").hasMessageContaining("'" + bad + "'");
        }
    }

    @Test
    void aRectangularProductWithATransposedIsMeasuredAndNamed() throws Throwable {
        String[] lines = linesPrintedFor("20x36x12t");
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).startsWith("before").contains("m=20 n=36 k=12 (A transposed)").containsPattern("products=[1-9]\\d*");
    }

    @Test
    void aBuildWithoutALabelIsRefusedByName() {
        assertThatThrownBy(() -> GemmAlternating.main(new String[] {"48", "4", "before=/x", "/y"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("GemmAlternating")
                .hasMessageContaining("'/y'");
    }

    @Test
    void aBuildWithoutTheEngineIsNamed() {
        assertThatThrownBy(() -> GemmAlternating.main(new String[] {"48", "4", "before=/nowhere", "after=/nowhere"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("build 'before' has no GemmKernel on /nowhere");
    }
}
