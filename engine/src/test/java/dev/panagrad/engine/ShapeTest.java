package dev.panagrad.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ShapeTest {

    @Test
    void numelIsTheProductOfDimensionsAndOneForAScalar() {
        assertThat(Shape.of(2, 3, 4).numel()).isEqualTo(24);
        assertThat(Shape.scalar().numel()).isEqualTo(1);
        assertThat(Shape.of(3, 0).numel()).isZero();
    }

    @Test
    void stridesAreRowMajor() {
        assertThat(Shape.of(2, 3, 4).strides()).containsExactly(12, 4, 1);
    }

    @Test
    void negativeDimensionsCountFromTheEnd() {
        assertThat(Shape.of(2, 3, 4).dim(-1)).isEqualTo(4);
        assertThat(Shape.of(2, 3, 4).axis("op", -3)).isZero();
    }

    @Test
    void outOfRangeDimensionNamesTheOpAndShape() {
        assertThatThrownBy(() -> Shape.of(2, 3).axis("softmax", 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("softmax: dimension 2 out of range for shape [2, 3] (rank 2)");
    }

    @Test
    void broadcastAlignsFromTheRight() {
        assertThat(Shape.broadcast("add", Shape.of(8, 1, 6, 1), Shape.of(7, 1, 5))).isEqualTo(Shape.of(8, 7, 6, 5));
        assertThat(Shape.broadcast("add", Shape.scalar(), Shape.of(3))).isEqualTo(Shape.of(3));
    }

    @Test
    void incompatibleBroadcastNamesBothShapes() {
        assertThatThrownBy(() -> Shape.broadcast("add", Shape.of(2, 3), Shape.of(4)))
                .hasMessage("add: shapes [2, 3] and [4] do not broadcast: dimension 1 of the result would be 3 and 4");
    }

    @Test
    void broadcastStridesAreZeroAlongExpandedDimensions() {
        assertThat(Shape.of(3, 1).broadcastStrides(Shape.of(2, 3, 4))).containsExactly(0, 1, 0);
    }

    @Test
    void negativeSizesAreRejected() {
        assertThatThrownBy(() -> Shape.of(2, -1)).hasMessageContaining("negative dimension -1");
    }
}
