package dev.panagrad.nn.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assumptions.assumeThat;

import org.junit.jupiter.api.Test;

/**
 * Reads the real Fashion-MNIST installed by Debian's dataset-fashion-mnist package (CI installs it;
 * elsewhere the test is skipped when the files are absent).
 */
class FashionMnistIntegrationTest {

    @Test
    void debianFashionMnistHasTheOfficialCountsHistogramAndStatistics() throws Exception {
        assumeThat(FashionMnistReader.isPresent(FashionMnistReader.DEBIAN_DIR)).as("dataset-fashion-mnist installed").isTrue();
        DatasetSplit split = FashionMnistReader.load(FashionMnistReader.DEBIAN_DIR);
        check(split.train(), 60_000, 0.2860, 0.3530);
        check(split.test(), 10_000, 0.2868, 0.3524);
    }

    private static void check(ImageDataset d, int count, double mean, double std) {
        assertThat(d.size()).isEqualTo(count);
        assertThat(d.channels()).isEqualTo(1);
        assertThat(d.height()).isEqualTo(28);
        assertThat(d.width()).isEqualTo(28);
        int[] histogram = new int[10];
        for (int i = 0; i < d.size(); i++) {
            histogram[d.label(i)]++;
        }
        assertThat(histogram).containsOnly(count / 10);
        double sum = 0;
        double sq = 0;
        int n = d.imageSize();
        for (int i = 0; i < d.size(); i++) {
            for (int p = 0; p < n; p++) {
                double v = d.pixel(i, p) / 255.0;
                sum += v;
                sq += v * v;
            }
        }
        double m = sum / ((double) n * d.size());
        double s = Math.sqrt(sq / ((double) n * d.size()) - m * m);
        assertThat(m).isCloseTo(mean, within(5e-4));
        assertThat(s).isCloseTo(std, within(5e-4));
    }
}
