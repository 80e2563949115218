package dev.panagrad.nn.data;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GeneratedImagesTest {

    @Test
    void theEasyRecipeKeepsEveryLabelAndSaysNothingMore() {
        DatasetSplit s = GeneratedImages.split(200, 40, 20, 5, 3, 16, 4);
        for (int i = 0; i < s.train().size(); i++) {
            assertThat(s.train().label(i)).isEqualTo(i % 20);
        }
        assertThat(s.train().description()).endsWith("smooth colour prototypes with shifts and noise");
    }

    @Test
    void theEasyRecipeDrawsTheImagesOfEarlierVersions() {
        // Tests elsewhere were tuned on these images: a hash of every label and pixel, taken before the
        // recipes existed, pins them.
        DatasetSplit s = GeneratedImages.split(60, 20, 20, 5, 3, 16, 4);
        long h = 1125899906842597L;
        for (ImageDataset d : new ImageDataset[] {s.train(), s.test()}) {
            for (int i = 0; i < d.size(); i++) {
                h = 31 * h + d.label(i);
                for (int p = 0; p < d.imageSize(); p++) {
                    h = 31 * h + d.pixel(i, p);
                }
            }
        }
        assertThat(h).isEqualTo(2293813676068579186L);
    }

    @Test
    void theFallbackSwapsAboutOneTrainingLabelInTenForAnotherClassOfTheSameSuperclass() {
        DatasetSplit s = GeneratedImages.split(4000, 400, 20, 5, 3, 16, 4, GeneratedImages.Recipe.FALLBACK);
        int swapped = 0;
        for (int i = 0; i < s.train().size(); i++) {
            int drawn = i % 20; // the class whose prototype the image shows
            int label = s.train().label(i);
            assertThat(label % 5).as("superclass of image %d", i).isEqualTo(drawn % 5);
            assertThat(s.train().coarseLabel(i)).isEqualTo(drawn % 5);
            if (label != drawn) {
                swapped++;
            }
        }
        // binomial(4000, 0.1): mean 400, standard deviation 19
        assertThat(swapped).isBetween(320, 480);
        for (int i = 0; i < s.test().size(); i++) {
            assertThat(s.test().label(i)).isEqualTo(i % 20);
        }
        assertThat(s.train().description()).contains("10% of training labels swapped within their superclass")
                .contains("colour jitter 30%");
    }

    @Test
    void theSameSeedGivesTheSameImagesAndLabels() {
        DatasetSplit a = GeneratedImages.split(100, 20, 20, 5, 3, 16, 9, GeneratedImages.Recipe.FALLBACK);
        DatasetSplit b = GeneratedImages.split(100, 20, 20, 5, 3, 16, 9, GeneratedImages.Recipe.FALLBACK);
        for (int i = 0; i < 100; i++) {
            assertThat(a.train().label(i)).isEqualTo(b.train().label(i));
            assertThat(a.train().pixel(i, 77)).isEqualTo(b.train().pixel(i, 77));
        }
    }
}
