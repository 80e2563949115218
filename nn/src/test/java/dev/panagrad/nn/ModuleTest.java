package dev.panagrad.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.layers.BatchNorm1d;
import dev.panagrad.nn.layers.Linear;
import dev.panagrad.nn.layers.ReLU;
import dev.panagrad.nn.layers.Sequential;
import dev.panagrad.nn.models.ResNet;
import dev.panagrad.nn.models.ResNets;
import java.util.List;
import org.junit.jupiter.api.Test;
import dev.panagrad.engine.testing.PyTorchFixture;

class ModuleTest {
    private static final PyTorchFixture TORCH = PyTorchFixture.resource("/fixtures/torch_reference.json");

    private final Rng rng = new Rng(3);

    private Sequential mlp() {
        return new Sequential(new Linear(4, 8, rng), new BatchNorm1d(8), new ReLU(), new Linear(8, 2, rng));
    }

    @Test
    void namesAreDottedAndInRegistrationOrder() {
        assertThat(mlp().namedParameters().keySet())
                .containsExactly("0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias");
        assertThat(mlp().namedBuffers().keySet())
                .containsExactly("1.running_mean", "1.running_var", "1.num_batches_tracked");
    }

    @Test
    void stateDictPutsEachModulesParametersBeforeItsBuffers() {
        assertThat(mlp().stateDict().keys()).containsExactly("0.weight", "0.bias", "1.weight", "1.bias",
                "1.running_mean", "1.running_var", "1.num_batches_tracked", "3.weight", "3.bias");
        assertThat(mlp().stateDict().entry("1.num_batches_tracked").dtype()).isEqualTo(DType.I64);
    }

    @Test
    void parameterCountSumsTrainableScalars() {
        assertThat(mlp().parameterCount()).isEqualTo(4 * 8 + 8 + 8 + 8 + 8 * 2 + 2);
    }

    @Test
    void parametersRequireGradAndBuffersDoNot() {
        Sequential m = mlp();
        assertThat(m.parameters()).allMatch(Tensor::requiresGrad);
        assertThat(m.namedBuffers().values()).noneMatch(Tensor::requiresGrad);
    }

    @Test
    void trainAndEvalReachTheWholeTree() {
        Sequential m = mlp();
        m.eval();
        assertThat(m.get(1).isTraining()).isFalse();
        m.train();
        assertThat(m.get(1).isTraining()).isTrue();
    }

    @Test
    void loadStateDictCopiesValuesIntoTheSameTensors() {
        Sequential a = mlp();
        Sequential b = mlp();
        Tensor bWeight = b.namedParameters().get("0.weight");
        b.loadStateDict(a.stateDict());
        assertThat(b.namedParameters().get("0.weight")).isSameAs(bWeight);
        assertThat(bWeight.toArray()).containsExactly(a.namedParameters().get("0.weight").toArray());
    }

    @Test
    void strictLoadingReportsEveryProblemAtOnce() {
        Sequential m = mlp();
        StateDict state = mlp().stateDict();
        StateDict broken = new StateDict();
        state.entries().forEach((k, e) -> {
            if (!k.equals("1.running_var") && !k.equals("3.bias")) {
                broken.put(k.equals("0.weight") ? k : k, k.equals("0.weight") ? Tensor.zeros(8, 5) : e.tensor(), e.dtype());
            }
        });
        broken.put("extra.weight", Tensor.zeros(1));
        assertThatThrownBy(() -> m.loadStateDict(broken))
                .isInstanceOfSatisfying(StateDictMismatchException.class, e -> {
                    assertThat(e.missing()).containsExactly("1.running_var", "3.bias");
                    assertThat(e.unexpected()).containsExactly("extra.weight");
                    assertThat(e.shapeMismatches()).containsExactly("0.weight: checkpoint [8, 5], model [8, 4]");
                })
                .hasMessageContaining("Missing key(s): 1.running_var, 3.bias")
                .hasMessageContaining("Unexpected key(s): extra.weight");
    }

    @Test
    void nonStrictLoadingToleratesMissingAndExtraKeysButNotShapes() {
        Sequential m = mlp();
        StateDict partial = new StateDict().put("0.bias", Tensor.ones(8)).put("other", Tensor.zeros(2));
        m.loadStateDict(partial, false);
        assertThat(m.namedParameters().get("0.bias").toArray()).containsOnly(1f);
        assertThatThrownBy(() -> m.loadStateDict(new StateDict().put("0.bias", Tensor.ones(3)), false))
                .isInstanceOf(StateDictMismatchException.class);
    }

    @Test
    void printsATreeLikePyTorch() {
        String expected = (String) TORCH.get("printed", "resnet8");
        ResNet model = ResNets.create("resnet8", 10, rng);
        assertThat(model.toString()).isEqualTo(expected);
    }

    @Test
    void duplicateNamesAreRejected() {
        assertThatThrownBy(() -> new Module() {
            {
                registerParameter("w", Tensor.zeros(1));
                registerBuffer("w", Tensor.zeros(1));
            }

            @Override
            public Tensor forward(Tensor x) {
                return x;
            }
        }).hasMessageEndingWith(": 'w' is already registered");
    }

    @Test
    void zeroGradDropsEveryGradient() {
        Sequential m = mlp();
        m.forward(Tensor.randn(rng, 3, 4)).sum().backward();
        assertThat(m.parameters()).allMatch(p -> p.grad() != null);
        m.zeroGrad();
        assertThat(m.parameters()).allMatch(p -> p.grad() == null);
        assertThat(List.of(1)).hasSize(1);
    }
}
