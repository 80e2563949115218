package dev.panagrad.cckd.loss;

import static dev.panagrad.engine.testing.TensorAssertions.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.panagrad.engine.FloatTolerance;
import dev.panagrad.engine.GradCheck;
import dev.panagrad.engine.IntTensor;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;
import dev.panagrad.engine.testing.PyTorchFixture;

class DistillationLossesTest {
    private static final PyTorchFixture TORCH = PyTorchFixture.resource("/fixtures/torch_cc_reference.json");

    private final Rng rng = new Rng(21);

    @Test
    void kdMatchesPyTorch() {
        Tensor zs = TORCH.tensor("kd", "student").requiresGrad(true);
        Tensor loss = KnowledgeDistillation.loss(zs, TORCH.tensor("kd", "teacher"), (float) TORCH.number("kd", "tau"));
        loss.backward();
        // 6 x 10 logits: softmax over 10 classes (an exp, a sum of 10, a log), then a sum of 60 terms.
        double value = TORCH.number("kd", "value");
        assertThat(loss.item()).isCloseTo((float) value, within(FloatTolerance.absoluteFloat(10 + 60 + 4, value)));
        assertClose("kd grad", zs.grad(), TORCH.tensor("kd", "grad"), FloatTolerance.relative(10 + 6));
    }

    @Test
    void kdGradientIsTauTimesTheProbabilityGapOverN() {
        Tensor zs = Tensor.randn(rng, 3, 4).requiresGrad(true);
        Tensor zt = Tensor.randn(rng, 3, 4);
        float tau = 2f;
        KnowledgeDistillation.loss(zs, zt, tau).backward();
        Tensor expected = zs.detach().div(tau).softmax(1).sub(zt.div(tau).softmax(1)).mul(tau / 3f);
        assertClose("tau (p_s - p_t) / n", zs.grad(), expected, FloatTolerance.relative(4 + 6));
    }

    @Test
    void gradientChecks() {
        Tensor zs = Tensor.randn(rng, 4, 5).requiresGrad(true);
        Tensor zt = Tensor.randn(rng, 4, 5);
        GradCheck.assertGradients(in -> KnowledgeDistillation.loss(in[0], zt, 4f), zs);

        Tensor fs = Tensor.randn(rng, 3, 6).requiresGrad(true);
        Tensor ft = Tensor.randn(rng, 3, 6);
        GradCheck.assertGradients(in -> L2Mimic.loss(in[0], ft), fs);

        Tensor a3 = Tensor.randn(rng, 2, 3, 4, 4).requiresGrad(true);
        Tensor a4 = Tensor.randn(rng, 2, 5, 2, 2).requiresGrad(true);
        Tensor t3 = Tensor.randn(rng, 2, 6, 4, 4);
        Tensor t4 = Tensor.randn(rng, 2, 7, 2, 2);
        GradCheck.defaults().atol(5e-3).verify(in -> AttentionTransfer.loss(List.of(in[0], in[1]), List.of(t3, t4), 1000f),
                a3, a4);

        ArcFace head = new ArcFace(4, 3, 8f, 0.5f, rng);
        IntTensor y = IntTensor.of(new int[] {0, 2, 1});
        Tensor e = Tensor.randn(rng, 3, 4).requiresGrad(true);
        GradCheck.assertGradients(in -> head.forward(in[0], y), e);
        GradCheck.assertGradients(in -> head.forward(e.detach(), y), head.weight());
    }

    @Test
    void attentionMapsAreUnitRowsOfChannelEnergy() {
        Tensor a = Tensor.of(new float[] {1, 0, 0, 2, 3, 0, 0, 0}, 1, 2, 2, 2);
        // mean over channels of squares: (1 + 9) / 2, 0, 0, 4 / 2 -> (5, 0, 0, 2) normalised
        Tensor at = AttentionTransfer.attention(a);
        double norm = Math.sqrt(25 + 4);
        assertThat(at.toArray()).containsExactly(new float[] {(float) (5 / norm), 0, 0, (float) (2 / norm)}, within(1e-6f));
    }

    @Test
    void arcFaceWidensTheTargetAngle() {
        Rng r = new Rng(3);
        ArcFace head = new ArcFace(4, 3, 1f, 0.3f, r);
        Tensor e = Tensor.randn(r, 2, 4);
        Tensor plain = head.forward(e);
        Tensor margin = head.forward(e, IntTensor.of(new int[] {1, 2}));
        for (int i = 0; i < 2; i++) {
            for (int c = 0; c < 3; c++) {
                float cos = plain.get(i, c);
                boolean target = c == (i == 0 ? 1 : 2);
                float expected = target ? (float) Math.cos(Math.acos(cos) + 0.3) : cos;
                assertThat(margin.get(i, c)).isCloseTo(expected, within(1e-5f));
            }
        }
    }

    @Test
    void mutualLearningIsTheKlToTheOtherPrediction() {
        Tensor self = Tensor.randn(rng, 3, 4).requiresGrad(true);
        Tensor other = Tensor.randn(rng, 3, 4).requiresGrad(true);
        Tensor kl = MutualLearning.mimicry(self, other);
        kl.backward();
        assertThat(other.grad()).isNull();
        assertThat(kl.item()).isGreaterThan(0f);
        assertThat(MutualLearning.mimicry(other.detach(), other.detach()).item()).isCloseTo(0f, within(1e-6f));
    }

    @Test
    void discriminatorLossesUseOppositeTargets() {
        Discriminator d = new Discriminator(8, rng);
        d.eval(); // batch norm on running statistics: each row's logits do not depend on the batch
        Tensor t = Tensor.randn(rng, 4, 8);
        Tensor s = Tensor.randn(rng, 4, 8).requiresGrad(true);
        float[] teacherLogits;
        float[] studentLogits;
        try (var ignored = dev.panagrad.engine.Grad.disabled()) {
            teacherLogits = d.forward(t).toArray();
            studentLogits = d.forward(s).toArray();
        }
        // mean BCE over both logits of every row: the teacher's rows are told [1, 0], the student's [0, 1]
        double discriminator = (bceSum(teacherLogits, 1f, 0f) + bceSum(studentLogits, 0f, 1f)) / 16;
        // the student's rows are told the teacher's target [1, 0]: the opposite of what the discriminator learns
        double generator = bceSum(studentLogits, 1f, 0f) / 8;
        Tensor dl = d.discriminatorLoss(t, s);
        Tensor gl = d.generatorLoss(s);
        assertThat((double) dl.item()).isCloseTo(discriminator, org.assertj.core.data.Offset.offset(1e-6));
        assertThat((double) gl.item()).isCloseTo(generator, org.assertj.core.data.Offset.offset(1e-6));
        dl.backward();
        assertThat(s.grad()).as("the discriminator's loss sees the student's features as constants").isNull();
        gl.backward();
        assertThat(s.grad().abs().max().item()).isPositive();
    }

    /** Sum over rows of BCE-with-logits of the row's two logits against targets (y0, y1). */
    private static double bceSum(float[] logits, float y0, float y1) {
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            double x = logits[i];
            double y = i % 2 == 0 ? y0 : y1;
            sum += Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
        }
        return sum;
    }
}
