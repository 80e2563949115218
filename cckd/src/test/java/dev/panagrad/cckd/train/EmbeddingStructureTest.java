package dev.panagrad.cckd.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.panagrad.engine.Tensor;
import org.junit.jupiter.api.Test;

class EmbeddingStructureTest {

    @Test
    void intraAndInterClassCosinesByHand() {
        // Class 0: (1, 0) and (1, 1); class 1: (0, 1).
        Tensor e = Tensor.of(new float[] {1, 0, 1, 1, 0, 1}, 3, 2);
        EmbeddingStructure s = EmbeddingStructure.of(e, new int[] {0, 0, 1});
        double c = 1 / Math.sqrt(2);
        assertThat(s.intraClass()).isCloseTo(c, within(1e-6));
        assertThat(s.interClass()).isCloseTo((0 + c) / 2, within(1e-6));
    }
}
