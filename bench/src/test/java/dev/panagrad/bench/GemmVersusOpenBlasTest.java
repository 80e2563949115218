package dev.panagrad.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The paired comparison with OpenBLAS: its report, its library search, and a short run on the real library. */
class GemmVersusOpenBlasTest {

    @Test
    void theRatioIsOpenBlassTimeOverOurs() {
        // Three pairs (ours, theirs): ratios 2, 1 and 0.5.
        var pairs = new GemmVersusOpenBlas.Pairs(10, List.of(new double[] {1000, 2000}, new double[] {2000, 2000},
                new double[] {4000, 2000}), 1e-6, 1e-5);
        assertThat(pairs.ratios()).containsExactly(2.0, 1.0, 0.5);
    }

    @Test
    void theReportGivesMediansQuartilesAndTheDifference() {
        // n = 10: 2000 flops; medians 2000 ns (ours) and 2000 ns (theirs): 1 GFLOPS each.
        var pairs = new GemmVersusOpenBlas.Pairs(10, List.of(new double[] {1000, 2000}, new double[] {2000, 2000},
                new double[] {4000, 2000}), 1e-6, 1e-5);
        assertThat(pairs.report("Haswell", 2)).isEqualTo("paired n=10 threads=2 openblas_core=Haswell pairs=3 "
                + "panagrad_GFLOPS=1.0 openblas_GFLOPS=1.0 ratio_median=1.000 ratio_q1=0.500 ratio_q3=2.000 "
                + "max_difference=1.00e-06 bound=1.00e-05");
    }

    @Test
    void aMissingLibraryIsNamedWithEveryPlaceSearched() {
        List<Path> nowhere = List.of(Path.of("/nonexistent/a/libopenblas.so.0"), Path.of("/nonexistent/b/libopenblas.so.0"));
        assertThatThrownBy(() -> GemmVersusOpenBlas.findLibrary(nowhere)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("/nonexistent/a/libopenblas.so.0").hasMessageContaining("/nonexistent/b/libopenblas.so.0")
                .hasMessageContaining("libopenblas0-pthread");
    }

    @Test
    void aShortRunOnOpenBlasAgreesWithItWithinRounding() throws Throwable {
        // Debian's libopenblas0-pthread, which the CI installs for this test.
        var openBlas = GemmVersusOpenBlas.OpenBlas.load(GemmVersusOpenBlas.findLibrary(GemmVersusOpenBlas.DEFAULT_LIBRARIES), 1);
        assertThat(openBlas.core()).isNotBlank().isNotEqualTo("unknown");
        var pairs = GemmVersusOpenBlas.measure(openBlas, 40, 200_000_000L, 0);
        assertThat(pairs.times()).isNotEmpty();
        for (double ratio : pairs.ratios()) {
            assertThat(ratio).isPositive().isFinite();
        }
        assertThat(pairs.difference()).isLessThanOrEqualTo(pairs.bound());
        assertThat(pairs.bound()).isEqualTo(2.0 * 40 * 40 * Math.ulp(1f));
    }
}
