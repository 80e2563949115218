package dev.panagrad.cckd.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.testing.PyTorchFixture;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetrievalTest {

    @Test
    void equalSimilaritiesAreRankedInGalleryOrder() {
        // 0 = (1, 0) and 2 = (1, -1) of class 0; 1 = (1, 1) and 3 = (-1, 0) of class 1. Query 0 sees 1 and 2
        // at exactly the same cosine: 1 comes first, so its true match 2 is at rank 2, not 1.
        Tensor e = Tensor.of(new float[] {1, 0, 1, 1, 1, -1, -1, 0}, 4, 2);
        int[] labels = {0, 1, 0, 1};

        Retrieval r = Retrieval.of(e, labels);

        // By hand, the rankings: query 0: 1, 2, 3 (match at 2); query 1: 0, 2, 3 (match at 3);
        // query 2: 0, 1, 3 (match at 1); query 3: 1, 2 (tied, gallery order), 0 (match at 1).
        assertThat(r.queries()).isEqualTo(4);
        assertThat(r.rank1()).isEqualTo(2 / 4.0);
        assertThat(r.rank5()).isEqualTo(1.0);
        assertThat(r.meanAveragePrecision()).isCloseTo((1 / 2.0 + 1 / 3.0 + 1 + 1) / 4, within(1e-12));
    }

    @Test
    void aQueryWithoutATrueMatchIsLeftOut() {
        // Unit vectors at 0, 15, 40, 70 and 105 degrees; the last is the only image of class 2.
        double[] degrees = {0, 15, 40, 70, 105};
        float[] v = new float[10];
        for (int i = 0; i < 5; i++) {
            v[2 * i] = (float) Math.cos(Math.toRadians(degrees[i]));
            v[2 * i + 1] = (float) Math.sin(Math.toRadians(degrees[i]));
        }
        Retrieval r = Retrieval.of(Tensor.of(v, 5, 2), new int[] {0, 1, 0, 1, 2});

        // Each of the four queries has one true match, ranked by angle: 0 -> 2 at rank 2, 1 -> 3 at rank 3,
        // 2 -> 0 at rank 3 (after 25 and 30 degrees), 3 -> 1 at rank 3 (after 30 and 35 degrees).
        assertThat(r.queries()).isEqualTo(4);
        assertThat(r.rank1()).isEqualTo(0.0);
        assertThat(r.meanAveragePrecision()).isCloseTo((1 / 2.0 + 1 / 3.0 + 1 / 3.0 + 1 / 3.0) / 4, within(1e-12));
    }

    @Test
    void averagePrecisionAveragesThePrecisionAtEachTrueMatch() {
        // Query 0 of class 0; gallery by similarity: 1 (class 0), 2, 4 (class 1), 3 (class 0).
        float[] sim = {1f, 0.95f, 0.9f, 0.8f, 0.85f};
        Retrieval.Ranking ranking = Retrieval.rank(sim, 0, 5, 0, new int[] {0, 0, 1, 0, 1});

        assertThat(ranking.matches()).isEqualTo(2);
        assertThat(ranking.firstMatch()).isEqualTo(1);
        assertThat(ranking.averagePrecision()).isEqualTo((1 / 1.0 + 2 / 4.0) / 2);
    }

    @Test
    void aClassOfOneImageEverywhereGivesNoQueries() {
        Retrieval r = Retrieval.of(Tensor.of(new float[] {1, 0, 0, 1}, 2, 2), new int[] {0, 1});

        assertThat(r.queries()).isZero();
        assertThat(r.meanAveragePrecision()).isNaN();
    }

    @Test
    void matchesTheNumPyComputation() {
        PyTorchFixture f = PyTorchFixture.resource("/fixtures/retrieval_reference.json");
        int[] labels = ((List<?>) f.get("labels")).stream().mapToInt(x -> ((Number) x).intValue()).toArray();

        Retrieval r = Retrieval.of(f.tensor("embeddings"), labels);

        // Counts over the queries are exact; mAP is a mean of ratios of small integers.
        assertThat(r.queries()).isEqualTo((int) f.number("queries"));
        assertThat(r.rank1()).isEqualTo(f.number("rank1"));
        assertThat(r.rank5()).isEqualTo(f.number("rank5"));
        assertThat(r.rank10()).isEqualTo(f.number("rank10"));
        assertThat(r.meanAveragePrecision()).isCloseTo(f.number("mAP"), within(1e-12));
    }

    @Test
    void labelsThatDoNotMatchTheRowsAreRejected() {
        assertThatThrownBy(() -> Retrieval.of(Tensor.zeros(3, 2), new int[] {0, 1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Retrieval")
                .hasMessageContaining("[3, 2]");
    }
}
