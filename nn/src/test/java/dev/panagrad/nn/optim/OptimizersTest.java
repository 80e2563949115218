package dev.panagrad.nn.optim;

import static dev.panagrad.engine.testing.TensorAssertions.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.StateDict;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import dev.panagrad.engine.testing.PyTorchFixture;

/** Four steps of each optimiser from the same start and gradients as PyTorch's, compared step by step. */
class OptimizersTest {
    private static final PyTorchFixture TORCH = PyTorchFixture.resource("/fixtures/torch_reference.json");


    private static void expectTrajectory(String name, Function<List<Tensor>, Optimizer> make) {
        Tensor w = TORCH.tensor("optim", "w0").requiresGrad(true);
        Optimizer opt = make.apply(List.of(w));
        for (int step = 0; step < 4; step++) {
            opt.zeroGrad();
            w.backward(TORCH.tensor("optim", "grads", step)); // d(w . g)/dw = g: the fixture's gradient
            opt.step();
            assertClose(name + " step " + step, w, TORCH.tensor("optim", name, step), 2e-6);
        }
    }

    @Test
    void sgdMatchesPyTorch() {
        expectTrajectory("sgd_plain", p -> new Sgd(p, 0.1));
        expectTrajectory("sgd_momentum_wd", p -> new Sgd(p, 0.1, 0.9, 0, 5e-4, false));
        expectTrajectory("sgd_dampening", p -> new Sgd(p, 0.05, 0.8, 0.3, 0, false));
        expectTrajectory("sgd_nesterov", p -> new Sgd(p, 0.1, 0.9, 0, 1e-3, true));
    }

    @Test
    void adamAndAdamWMatchPyTorch() {
        expectTrajectory("adam", p -> Adam.adam(p, 0.01));
        expectTrajectory("adam_wd", p -> Adam.adam(p, 0.01, 0.8, 0.99, 1e-6, 0.1));
        expectTrajectory("adamw", p -> Adam.adamW(p, 0.01, 0.9, 0.999, 1e-8, 0.1));
    }

    @Test
    void parametersWithoutGradientsAreLeftAlone() {
        Tensor w = Tensor.ones(2).requiresGrad(true);
        new Sgd(List.of(w), 0.1, 0.9, 0, 0.1, false).step();
        assertThat(w.toArray()).containsExactly(1f, 1f);
    }

    @Test
    void restoredStateContinuesExactlyLikeTheOriginal() {
        for (Function<List<Tensor>, Optimizer> make : List.<Function<List<Tensor>, Optimizer>>of(
                p -> new Sgd(p, 0.1, 0.9, 0, 5e-4, true), p -> Adam.adamW(p, 0.01))) {
            Tensor a = TORCH.tensor("optim", "w0").requiresGrad(true);
            Optimizer first = make.apply(List.of(a));
            for (int s = 0; s < 2; s++) {
                a.backward(TORCH.tensor("optim", "grads", s));
                first.step();
                first.zeroGrad();
            }
            StateDict saved = first.stateDict();
            Tensor b = a.detach().copy().requiresGrad(true);
            Optimizer second = make.apply(List.of(b));
            second.loadStateDict(saved);
            for (int s = 2; s < 4; s++) {
                a.backward(TORCH.tensor("optim", "grads", s));
                b.backward(TORCH.tensor("optim", "grads", s));
                first.step();
                second.step();
                first.zeroGrad();
                second.zeroGrad();
            }
            assertThat(b.toArray()).containsExactly(a.toArray());
        }
    }

    @Test
    void nesterovWithoutMomentumIsRejected() {
        assertThatThrownBy(() -> new Sgd(List.of(Tensor.ones(1)), 0.1, 0, 0, 0, true))
                .hasMessage("Sgd: Nesterov momentum requires a momentum and zero dampening");
    }

    @Test
    void schedulesMatchPyTorchsSchedulers() {
        expectRates("multistep", LrSchedule.multiStep(0.1, 0.1, 3, 6));
        expectRates("cosine", LrSchedule.cosine(0.1, 8, 0.001));
        expectRates("warmup", LrSchedule.warmup(4, 0.1, LrSchedule.constant(0.1)));
    }

    @Test
    void warmupHandsOverToTheFollowingSchedule() {
        LrSchedule s = LrSchedule.warmup(2, 0.5, LrSchedule.multiStep(1.0, 0.1, 3));
        assertThat(s.lr(0)).isEqualTo(0.5);
        assertThat(s.lr(1)).isEqualTo(0.75);
        assertThat(s.lr(2)).isEqualTo(1.0);
        assertThat(s.lr(5)).isCloseTo(0.1, within(1e-12));
    }

    @Test
    void applySetsTheOptimizersRate() {
        Optimizer opt = new Sgd(List.of(Tensor.ones(1).requiresGrad(true)), 0.5);
        LrSchedule.multiStep(0.5, 0.1, 1).apply(opt, 2);
        assertThat(opt.lr()).isCloseTo(0.05, within(1e-12));
    }

    private static void expectRates(String name, LrSchedule s) {
        List<?> expected = (List<?>) TORCH.get("schedules", name);
        for (int e = 0; e < expected.size(); e++) {
            assertThat(s.lr(e)).as("%s epoch %d", name, e).isCloseTo(((Number) expected.get(e)).doubleValue(), within(1e-9));
        }
    }

}
