package dev.panagrad.examples.learn;

import dev.panagrad.cckd.loss.CorrelationCongruence;
import dev.panagrad.cckd.loss.KnowledgeDistillation;
import dev.panagrad.cckd.train.DistillationConfig;
import dev.panagrad.cckd.train.Evaluation;
import dev.panagrad.cckd.train.Method;
import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.TensorScope;
import dev.panagrad.nn.data.ChannelStatistics;
import dev.panagrad.nn.data.DataLoader;
import dev.panagrad.nn.data.DatasetSplit;
import dev.panagrad.nn.data.GeneratedImages;
import dev.panagrad.nn.data.ImageDataset;
import dev.panagrad.nn.data.ImageFolderReader;
import dev.panagrad.nn.data.RandomBatchSampler;
import dev.panagrad.nn.data.Transform;
import dev.panagrad.nn.io.Checkpoint;
import dev.panagrad.nn.layers.Linear;
import dev.panagrad.nn.loss.Losses;
import dev.panagrad.nn.models.ResNet;
import dev.panagrad.nn.models.ResNets;
import dev.panagrad.nn.optim.Sgd;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Distilling your own model, in library calls: your images, your teacher, a small student trained with
 * the paper's loss {@code alpha CE + (1 - alpha) KD + beta CC}, then evaluated and saved. The loop is
 * written out here; {@code ./panagrad distill} runs the same with progress, charts and checkpoints.
 * Run it with {@code ./panagrad learn distill [--images DIR] [--teacher FILE] [--out FILE]}.
 */
public final class DistillYourOwn {
    private DistillYourOwn() {
    }

    /** The teacher's and the student's accuracy on the test images, and where the student went. */
    public record Result(Evaluation teacher, Evaluation student, Path saved) {
    }

    /**
     * @param images  a folder with one sub-folder of images per class, or null for generated images
     * @param teacher a ResNet-20 checkpoint of yours for these classes, or null to train one here first
     * @param out     where the student is saved (safetensors)
     */
    public static Result run(PrintStream log, Path images, Path teacher, Path out, int epochs) throws IOException {
        Rng rng = new Rng(7);
        // 1. The images: 32 x 32, a fifth held out for testing; or 10 classes of generated 16 x 16 ones.
        DatasetSplit data = images != null
                ? ImageFolderReader.load(images, new ImageFolderReader.Options(32, 32, 0.2, 7, true)).split()
                : GeneratedImages.split(1200, 400, 10, 2, 3, 16, 7);
        int classes = data.train().numClasses();
        int channels = data.train().channels();
        Transform normalize = ChannelStatistics.of(data.train()).normalize();

        // 2. The teacher: your checkpoint, or a ResNet-20 trained here with cross-entropy alone.
        ResNet big = ResNets.create("resnet20", classes, channels, rng);
        if (teacher != null) {
            Checkpoint.loadModel(teacher, big);
        } else {
            train("teacher", big, null, null, data.train(), normalize, epochs, log);
        }
        big.eval();

        // 3. The student, a ResNet-8 (3 residual blocks against 9), with a linear map from its embedding to
        //    the teacher's, where the correlation-congruence term compares them (as the paper's head).
        ResNet small = ResNets.create("resnet8", classes, channels, rng);
        Linear head = new Linear(small.embeddingSize(), big.embeddingSize(), false, rng);
        train("student", small, head, big, data.train(), normalize, epochs, log);

        // 4. Both on the test images; the student saved as a file that Checkpoint.loadModel reads back.
        Result r = new Result(Evaluation.of(big, data.test(), normalize, 256), Evaluation.of(small, data.test(), normalize, 256),
                out);
        Checkpoint.saveModel(out, small);
        log.printf("test top-1: teacher %.1f%%, student %.1f%% (%d images); student saved to %s%n",
                100 * r.teacher().top1(), 100 * r.student().top1(), r.student().images(), out);
        return r;
    }

    /** SGD epochs; with a teacher, each batch's loss is the paper's CE + KD + CC instead of CE alone. */
    static void train(String role, ResNet model, Linear head, ResNet teacher, ImageDataset train, Transform normalize,
                      int epochs, PrintStream log) {
        DistillationConfig paper = DistillationConfig.defaults(Method.CCKD, epochs); // alpha 0.1, tau 4, beta, kernel
        List<Tensor> params = new ArrayList<>(model.parameters());
        if (head != null) {
            params.addAll(head.parameters());
        }
        Sgd sgd = new Sgd(params, 0.05, 0.9, 0, 5e-4, false);
        model.train();
        try (DataLoader loader = new DataLoader(train, new RandomBatchSampler(train.size(), 64, true, true, 7), normalize, 2,
                4, 7)) {
            for (int epoch = 0; epoch < epochs; epoch++) {
                double sum = 0;
                int batches = 0;
                for (DataLoader.Batch b : loader.epoch(epoch)) {
                    try (TensorScope step = TensorScope.open()) { // the step's tensors die with it
                        ResNet.Output s = model.forwardAll(b.images());
                        Tensor loss = Losses.crossEntropy(s.logits(), b.labels());
                        if (teacher != null) {
                            ResNet.Output t;
                            try (var noGraph = Grad.disabled()) { // the teacher only answers
                                t = teacher.forwardAll(b.images());
                            }
                            Tensor kd = KnowledgeDistillation.loss(s.logits(), t.logits(), paper.tau());
                            Tensor cc = CorrelationCongruence.loss(head.forward(s.embedding()), t.embedding(),
                                    paper.kernel());
                            loss = loss.mul(paper.alpha()).add(kd.mul(1 - paper.alpha())).add(cc.mul(paper.beta()));
                        }
                        sgd.zeroGrad();
                        loss.backward();
                        sgd.step();
                        sum += loss.item();
                        batches++;
                    }
                }
                log.printf("%s epoch %d/%d: mean loss %.4f%n", role, epoch + 1, epochs, sum / batches);
            }
        }
    }
}
