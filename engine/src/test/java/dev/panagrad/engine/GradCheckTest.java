package dev.panagrad.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GradCheckTest {

    @Test
    void passesACorrectGradient() {
        Tensor x = Tensor.randn(new Rng(1), 3, 4).requiresGrad(true);
        GradCheck.Report r = GradCheck.defaults().check(in -> in[0].mul(in[0]).sum(1), x);
        assertThat(r.passed()).as(r.toString()).isTrue();
        assertThat(r.checked()).isEqualTo(12);
    }

    @Test
    void catchesAWrongGradient() {
        Tensor x = Tensor.randn(new Rng(1), 5).requiresGrad(true);
        // Claims d(x^2)/dx = x instead of 2x.
        java.util.function.Function<Tensor[], Tensor> wrong = in -> {
            Tensor a = in[0];
            Tensor out;
            try (var ignored = Grad.disabled()) {
                out = a.mul(a);
            }
            return Autograd.op("square", a).saves(a).result(out, (g, needs) -> new Tensor[] {g.mul(a)});
        };
        assertThatThrownBy(() -> GradCheck.assertGradients(wrong, x))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("gradcheck FAILED");
    }

    @Test
    void catchesAMissingGradient() {
        Tensor x = Tensor.randn(new Rng(2), 4).requiresGrad(true);
        Tensor y = Tensor.randn(new Rng(3), 4).requiresGrad(true);
        // y enters the value but the op claims no gradient for it.
        java.util.function.Function<Tensor[], Tensor> leaky = in -> {
            Tensor out;
            try (var ignored = Grad.disabled()) {
                out = in[0].add(in[1]);
            }
            return Autograd.op("leaky", in[0], in[1]).result(out, (g, needs) -> new Tensor[] {g, null});
        };
        GradCheck.Report r = GradCheck.defaults().check(leaky, x, y);
        assertThat(r.passed()).isFalse();
        assertThat(r.input()).isEqualTo(1);
    }

    @Test
    void leavesInputsUnchanged() {
        Tensor x = Tensor.randn(new Rng(4), 6).requiresGrad(true);
        float[] before = x.toArray();
        GradCheck.assertGradients(in -> in[0].exp(), x);
        assertThat(x.toArray()).containsExactly(before);
    }
}
