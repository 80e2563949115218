package dev.panagrad.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class GraphExportTest {

    @Test
    void aLossGraphListsItsOpsShapesAndWhichLeavesRequireGrad() {
        Rng rng = new Rng(0);
        Tensor x = Tensor.randn(rng, 4, 3);
        Tensor w = Tensor.randn(rng, 3, 2).requiresGrad(true);
        Tensor b = Tensor.zeros(2).requiresGrad(true);
        Tensor loss = x.matmul(w).add(b).relu().mean();

        String dot = GraphExport.toDot(loss, Map.of("weight", w, "bias", b));

        assertThat(dot).startsWith("digraph autograd {").endsWith("}\n");
        assertThat(dot).contains("label=\"matmul\\n[4, 2]\", shape=box")
                .contains("label=\"add\\n[4, 2]\", shape=box")
                .contains("label=\"relu\\n[4, 2]\", shape=box")
                .contains("label=\"weight\\n[3, 2]\\nrequires grad\"")
                .contains("label=\"bias\\n[2]\\nrequires grad\"")
                .contains("label=\"constant\\n[4, 3]\", shape=ellipse, color=gray")
                .contains("label=\"output\\n[]\", shape=doubleoctagon");
        // four ops, three inputs and the output: each op has an edge into its consumer
        assertThat(dot.lines().filter(l -> l.contains("shape=box")).count()).isEqualTo(4);
        assertThat(dot.lines().filter(l -> l.contains(" -> ")).count()).isEqualTo(7);
    }

    @Test
    void aTensorOutsideAnyGraphIsASingleNode() {
        String dot = GraphExport.toDot(Tensor.ones(2, 2));
        assertThat(dot.lines().filter(l -> l.contains("label=")).count()).isEqualTo(1);
        assertThat(dot).doesNotContain("->");
    }
}
