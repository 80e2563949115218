package dev.panagrad.cckd.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.panagrad.cckd.sampler.GroupUniformSampler;
import dev.panagrad.engine.Rng;
import dev.panagrad.nn.data.DatasetSplit;
import dev.panagrad.nn.data.GeneratedImages;
import dev.panagrad.nn.data.ImageDataset;
import dev.panagrad.nn.data.RandomBatchSampler;
import dev.panagrad.nn.data.Transform;
import dev.panagrad.nn.models.ResNet;
import dev.panagrad.nn.models.ResNets;
import dev.panagrad.nn.optim.LrSchedule;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DistillationLoopTest {
    private static DatasetSplit data;
    private static ImageDataset structure;
    private static ResNet teacher;
    private static double teacherTop1;

    @BeforeAll
    static void trainTeacher() {
        data = GeneratedImages.split(640, 200, 10, 5, 3, 16, 5);
        structure = data.test().subset(java.util.stream.IntStream.range(0, 100).toArray(), "structure");
        teacher = ResNets.create("resnet14", 10, new Rng(1));
        DistillationConfig config = DistillationConfig.defaults(Method.CE, 4).withSchedule(LrSchedule.constant(0.05));
        try (DistillationLoop loop = loop(config, teacher, null, new RandomBatchSampler(640, 64, true, true, 1))) {
            EpochMetrics last = null;
            for (int e = 0; e < 4; e++) {
                last = loop.trainEpoch(e, DistillationLoop.Listener.NONE);
            }
            teacherTop1 = last.testTop1();
        }
    }

    private static DistillationLoop loop(DistillationConfig config, ResNet student, ResNet peer,
                                         dev.panagrad.nn.data.BatchSampler sampler) {
        return new DistillationLoop(config, config.method().needsTeacher() ? teacher : null, student, peer, data.train(),
                data.test(), structure, Transform.horizontalFlip(0.5f), Transform.IDENTITY, sampler, 1);
    }

    @Test
    void theTeacherLearnedTheGeneratedClasses() {
        assertThat(teacherTop1).isGreaterThan(0.6);
    }

    @Test
    void cckdMakesBothTheKdAndTheCcTermsFall() {
        ResNet student = ResNets.create("resnet8", 10, new Rng(2));
        DistillationConfig config = DistillationConfig.defaults(Method.CCKD, 3).withBeta(1f);
        List<EpochMetrics> epochs = new ArrayList<>();
        GroupUniformSampler cur = GroupUniformSampler.classUniform(data.train().classIndex(), 64, 8, 3);
        try (DistillationLoop loop = loop(config, student, null, cur)) {
            for (int e = 0; e < 3; e++) {
                epochs.add(loop.trainEpoch(e, DistillationLoop.Listener.NONE));
            }
        }
        EpochMetrics first = epochs.get(0);
        EpochMetrics last = epochs.get(2);
        assertThat(last.losses().get("kd")).isLessThan(first.losses().get("kd"));
        assertThat(last.losses().get("cc")).isLessThan(first.losses().get("cc"));
        assertThat(last.losses().keySet()).containsExactly("ce", "kd", "cc", "total");
        assertThat(last.teacher()).isNotNull();
        assertThat(last.teacher().intraClass()).isGreaterThan(last.teacher().interClass());
    }

    @Test
    void everyMethodTrainsAnEpoch() {
        for (Method m : Method.values()) {
            ResNet student = ResNets.create("resnet8", 10, new Rng(3));
            ResNet peer = m == Method.DML ? ResNets.create("resnet8", 10, new Rng(4)) : null;
            DistillationConfig config = DistillationConfig.defaults(m, 1);
            try (DistillationLoop loop = loop(config, student, peer, new RandomBatchSampler(640, 64, true, true, 2))) {
                int[] batches = {0};
                EpochMetrics e = loop.trainEpoch(0, (ep, b, n, running, ips) -> batches[0] = n);
                assertThat(batches[0]).as(m.cliName()).isEqualTo(10);
                assertThat(e.losses()).as(m.cliName()).containsKey("total");
                assertThat(e.losses().values()).as(m.cliName()).allMatch(v -> Double.isFinite(v));
                assertThat(e.testTop1()).isBetween(0.0, 1.0);
                assertThat(e.testTop5()).isGreaterThanOrEqualTo(e.testTop1());
                assertThat(e.imagesPerSecond()).isPositive();
                assertThat(loop.modules()).containsKey("student");
                if (m == Method.DML) {
                    assertThat(loop.modules()).containsKey("peer");
                    assertThat(e.losses()).containsKeys("kl", "ce_peer", "kl_peer");
                }
                if (m == Method.ADV) {
                    assertThat(loop.optimizers()).containsKey("discriminator");
                    assertThat(e.losses()).containsKeys("adv_d", "adv_g");
                }
            }
        }
    }

    @Test
    void superclassSamplingUsesClustersOfTheTeachersEmbeddings() {
        int[] clusters = dev.panagrad.cckd.sampler.TeacherClusters.of(teacher, data.train(), Transform.IDENTITY, 4, 9);
        assertThat(clusters).hasSize(640);
        assertThat(java.util.Arrays.stream(clusters).distinct().count()).isEqualTo(4);
        // The teacher separates classes, so each class falls mostly into one cluster (by chance, with the
        // 64 images of a class spread over 4 clusters, the largest share would be about 0.3).
        int pure = 0;
        for (int c = 0; c < 10; c++) {
            int[] counts = new int[4];
            for (int i : data.train().classIndex().members(c)) {
                counts[clusters[i]]++;
            }
            pure += java.util.Arrays.stream(counts).max().getAsInt();
        }
        assertThat(pure / 640.0).isGreaterThan(0.8);
        GroupUniformSampler sur = GroupUniformSampler.superclassUniform(clusters, 4, 64, 16, 1);
        ResNet student = ResNets.create("resnet8", 10, new Rng(7));
        try (DistillationLoop loop = loop(DistillationConfig.defaults(Method.CCKD, 1), student, null, sur)) {
            assertThat(loop.trainEpoch(0, DistillationLoop.Listener.NONE).losses()).containsKey("cc");
        }
    }

    @Test
    void theSameSeedGivesTheSameEpoch() {
        double[] losses = new double[2];
        for (int run = 0; run < 2; run++) {
            ResNet student = ResNets.create("resnet8", 10, new Rng(6));
            try (DistillationLoop loop = loop(DistillationConfig.defaults(Method.KD, 1), student, null,
                    new RandomBatchSampler(640, 64, true, true, 4))) {
                losses[run] = loop.trainEpoch(0, DistillationLoop.Listener.NONE).losses().get("total");
            }
        }
        assertThat(losses[1]).isEqualTo(losses[0]);
    }

    @Test
    void methodNamesParse() {
        assertThat(Method.parse("cckd")).isEqualTo(Method.CCKD);
        assertThat(Method.parse("ADV")).isEqualTo(Method.ADV);
        assertThat(Method.CE.needsTeacher()).isFalse();
    }
}
