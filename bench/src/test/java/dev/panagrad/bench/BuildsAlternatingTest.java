package dev.panagrad.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.models.ResNet;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BuildsAlternatingTest {
    /** This test's own engine, nn and bench classes, as one build's classpath. */
    private static String buildClasspath() throws Exception {
        StringBuilder path = new StringBuilder();
        for (Class<?> c : new Class<?>[] {Tensor.class, ResNet.class, BuildsAlternating.class}) {
            if (!path.isEmpty()) {
                path.append(':');
            }
            path.append(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()));
        }
        return path.toString();
    }

    /** What a run of {@code workload} prints, in 2 rounds of 20 ms windows, this test's build as "before" and "after". */
    private static String[] linesPrintedFor(String workload) throws Throwable {
        String build = buildClasspath();
        String[] lines = StandardOutput.linesOf(
                () -> BuildsAlternating.main(new String[] {workload, "0.02", "2", "before=" + build, "after=" + build}));
        return java.util.Arrays.stream(lines).filter(l -> !l.startsWith("# backend")).toArray(String[]::new);
    }

    @Test
    void aWorkloadIsAConvolutionPassOrATrainingStep() {
        assertThat(BuildsAlternating.Workload.parse("conv:c64-64-8s1:backwardWeight"))
                .isEqualTo(new BuildsAlternating.Workload("c64-64-8s1", "backwardWeight", 0, 64))
                .hasToString("conv c64-64-8s1 backwardWeight, batch 64");
        assertThat(BuildsAlternating.Workload.parse("step:56"))
                .isEqualTo(new BuildsAlternating.Workload(null, null, 56, 64))
                .hasToString("resnet56 training step, batch 64");
        assertThat(BuildsAlternating.Workload.parse("step:20:8")).isEqualTo(new BuildsAlternating.Workload(null, null, 20, 8));
    }

    @Test
    void aWorkloadItCannotReadIsRefusedWithTheText() {
        for (String bad : new String[] {"conv:c64-64-8s1", "conv:c64-64-9s1:forward", "conv:c16-16-32s1:sideways", "step:",
            "step:20:0", "step:20:8:1", "gemm:512"}) {
            assertThatThrownBy(() -> BuildsAlternating.Workload.parse(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("BuildsAlternating").hasMessageContaining("'" + bad + "'");
        }
    }

    @Test
    void reportsEveryBuildAndTheRatioOfRatesAgainstTheBaseline() throws Throwable {
        String[] lines = linesPrintedFor("step:20:2");
        // then the cores' round trip, and its two rounds one by one if it moved by more than half
        assertThat(lines.length).isIn(4, 6);
        assertThat(lines[0]).startsWith("before").contains("resnet20 training step, batch 2").contains("(mean of 2 windows)");
        assertThat(lines[1]).startsWith("after").contains("resnet20 training step, batch 2");
        assertThat(lines[2]).startsWith("after against before, per round: median ");
        double median = Double.parseDouble(lines[2].replaceAll(".*median ([0-9.]+),.*", "$1"));
        assertThat(median).isPositive();
        assertThat(lines[3]).matches("core-to-core round trip before and after each round: median \\d+ ns, \\d+-\\d+ ns");
        for (int i = 4; i < lines.length; i++) {
            assertThat(lines[i]).matches("  round  " + (i - 3) + ": +\\d+ -> +\\d+ ns  before [0-9.]+ calls/s  after [0-9.]+ calls/s");
        }
    }

    @Test
    void runsAConvolutionPassOfEachBuild() throws Throwable {
        String[] lines = linesPrintedFor("conv:p32-64-16s2:backwardInput");
        assertThat(lines[0]).startsWith("before").contains("conv p32-64-16s2 backwardInput, batch 64");
        double rate = Double.parseDouble(lines[0].replaceAll(".*: ([0-9.]+) calls/s.*", "$1"));
        assertThat(rate).isPositive();
    }
}
