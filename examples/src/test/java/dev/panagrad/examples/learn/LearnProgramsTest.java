package dev.panagrad.examples.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import dev.panagrad.engine.GradCheck;
import dev.panagrad.engine.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import dev.panagrad.cckd.train.Evaluation;
import dev.panagrad.nn.data.ChannelStatistics;
import dev.panagrad.nn.data.DatasetSplit;
import dev.panagrad.nn.data.GeneratedImages;
import dev.panagrad.nn.io.Checkpoint;
import dev.panagrad.nn.models.ResNet;
import dev.panagrad.nn.models.ResNets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The walkthrough's programs do what docs/walkthrough.md says they do. */
class LearnProgramsTest {

    @Test
    void scalarAutodiffAgreesWithFiniteDifferencesAndWithTheChainRuleByHand() {
        double[][] r = ScalarAutodiff.run(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        // By hand: y = tanh(s), s = 0.5 * 2 + 0.7 * -1 + 0.1 = 0.4; dy/dw1 = (1 - tanh^2 s) x1, dy/dw2 = ... x2, dy/db = ...
        double slope = 1 - Math.pow(Math.tanh(0.4), 2);
        assertThat(r[0]).containsExactly(new double[] {slope * 2.0, slope * -1.0, slope}, offset(1e-12));
        assertThat(r[1]).containsExactly(r[0], offset(1e-8));
    }

    @Test
    void theTwoLayerPerceptronSeparatesTheRings() {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        MlpFromScratch.Result r = MlpFromScratch.run(new PrintStream(text, true, StandardCharsets.UTF_8));
        // ln 2 = 0.693 for a guess between two classes; the rings are learnt almost perfectly.
        assertThat(r.firstLoss()).isGreaterThan(0.6f);
        assertThat(r.lastLoss()).isLessThan(0.1f);
        assertThat(r.accuracy()).isGreaterThanOrEqualTo(490.0 / 512);
        assertThat(text.toString(StandardCharsets.UTF_8)).contains("step   0  loss").contains("step 299  loss")
                .contains("accuracy");
    }

    @Test
    void softplusHasTheSigmoidAsItsGradientAndPassesTheCheck() {
        GradCheck.Report[] reports = CustomOp.run(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertThat(reports).allSatisfy(r -> assertThat(r.passed()).as(r.toString()).isTrue());
        assertThat(reports[1].checked()).isEqualTo(4 * 5 + 5 * 3);
    }

    @Test
    void softplusIsStableFarFromZero() {
        // log(1 + e^30) = 30 + log(1 + e^-30): no overflow. At -30 the true value, e^-30 = 9e-14, is lost
        // in 1 + e^-30 (float's step near 1 is 1.2e-7): absolute error, not relative, is what the form keeps.
        float[] v = CustomOp.softplus(Tensor.of(new float[] {-30f, 0f, 30f}, 3)).toArray();
        assertThat(v[0]).isCloseTo((float) Math.exp(-30), offset(1.2e-7f));
        assertThat(v[1]).isCloseTo((float) Math.log(2), offset(1e-7f));
        assertThat(v[2]).isEqualTo(30f);
    }

    @Test
    void distillingYourOwnModelGivesAStudentThatLearntAndReloads(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        Path saved = dir.resolve("student.safetensors");
        DistillYourOwn.Result r = DistillYourOwn.run(new PrintStream(text, true, StandardCharsets.UTF_8), null, null, saved, 5);

        // 10 generated classes: a guess is right 10% of the time. After 5 epochs the teacher reached 87-90%
        // and the student 74-87% at 128, 256 and 512-bit vectors (the bits, and so the runs, differ).
        assertThat(r.teacher().top1()).isGreaterThan(0.6);
        assertThat(r.student().top1()).isGreaterThan(0.5);
        assertThat(r.student().images()).isEqualTo(400);
        assertThat(text.toString(StandardCharsets.UTF_8)).contains("teacher epoch 5/5").contains("student epoch 5/5")
                .contains("student saved to " + saved);
        // the saved student is the evaluated one: reloaded into a fresh ResNet-8, it scores the same
        DatasetSplit data = GeneratedImages.split(1200, 400, 10, 2, 3, 16, 7);
        ResNet reloaded = ResNets.create("resnet8", 10, 3, new dev.panagrad.engine.Rng(99));
        Checkpoint.loadModel(saved, reloaded);
        Evaluation again = Evaluation.of(reloaded, data.test(), ChannelStatistics.of(data.train()).normalize(), 256);
        assertThat(again.top1()).isEqualTo(r.student().top1());
    }
}
