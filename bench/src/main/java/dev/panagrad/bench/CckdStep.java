package dev.panagrad.bench;

import dev.panagrad.cckd.loss.CorrelationCongruence;
import dev.panagrad.cckd.loss.KnowledgeDistillation;
import dev.panagrad.cckd.train.DistillationConfig;
import dev.panagrad.cckd.train.EmbeddingHead;
import dev.panagrad.cckd.train.Method;
import dev.panagrad.engine.Backends;
import dev.panagrad.engine.Grad;
import dev.panagrad.engine.IntTensor;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.TensorScope;
import dev.panagrad.nn.loss.Losses;
import dev.panagrad.nn.models.ResNet;
import dev.panagrad.nn.models.ResNets;
import dev.panagrad.nn.optim.Sgd;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The paper's own workload, one CCKD training step: a ResNet-50 teacher's forward without a graph, then a
 * ResNet-18 student's forward and backward with the loss {@code alpha CE + (1 - alpha) KD + beta CC}
 * (Gaussian-Taylor kernel) on 256-d embeddings (the student's through a trainable map, the teacher's
 * through a fixed random one: {@link EmbeddingHead.Kind#D256}), and an SGD step. Person
 * re-identification sizes: batch 40 of 3 x 256 x 128 images, 751 identities (Market-1501's training
 * set). bench/peer/torch_cckd_step.py is the same step in PyTorch.
 *
 * <p>Prints, over {@code steps} steps after {@code warmup}: seconds per step, of them the teacher's
 * forward and the student's step, the peak Java heap, the bytes allocated per step, the process's peak
 * resident set and, as the JVM's own baseline, its resident set when {@code main} starts. {@code java --add-modules=jdk.incubator.vector -cp bench/target/benchmarks.jar
 * dev.panagrad.bench.CckdStep [steps=3] [warmup=1] [batch=40]}.
 */
public final class CckdStep {
    static final int CLASSES = 751;
    static final int HEIGHT = 256;
    static final int WIDTH = 128;

    private final ResNet teacher;
    private final ResNet student;
    private final EmbeddingHead head;
    private final Sgd sgd;
    private final Tensor images;
    private final IntTensor labels;
    private final DistillationConfig paper = DistillationConfig.defaults(Method.CCKD, 1);
    private long teacherNanos;
    private long studentNanos;

    CckdStep(int batch) {
        Rng rng = new Rng(0);
        teacher = ResNets.create("resnet50", CLASSES, rng);
        teacher.eval();
        student = ResNets.create("resnet18", CLASSES, rng);
        head = new EmbeddingHead(EmbeddingHead.Kind.D256, student.embeddingSize(), teacher.embeddingSize(), rng);
        List<Tensor> params = new ArrayList<>(student.parameters());
        params.addAll(head.trainable());
        sgd = new Sgd(params, 0.05, 0.9, 0, 5e-4, false);
        images = Tensor.randn(rng, batch, 3, HEIGHT, WIDTH);
        int[] y = new int[batch];
        for (int i = 0; i < batch; i++) {
            y[i] = (int) (rng.nextDouble() * CLASSES);
        }
        labels = IntTensor.of(y);
    }

    /** One step; adds its teacher and student times to the running totals. */
    float run() {
        // Activations die as backward passes them, the step's other tensors at its end.
        try (TensorScope step = TensorScope.open().releasingSavedTensors()) {
            return timedStep();
        }
    }

    private float timedStep() {
        long start = System.nanoTime();
        ResNet.Output t;
        try (var noGraph = Grad.disabled()) { // the teacher only answers
            t = teacher.forwardAll(images);
        }
        long taught = System.nanoTime();
        ResNet.Output s = student.forwardAll(images);
        Tensor loss = Losses.crossEntropy(s.logits(), labels).mul(paper.alpha())
                .add(KnowledgeDistillation.loss(s.logits(), t.logits(), paper.tau()).mul(1 - paper.alpha()))
                .add(CorrelationCongruence.loss(head.forward(s.embedding()), head.teacher(t.embedding()), paper.kernel())
                        .mul(paper.beta()));
        sgd.zeroGrad();
        loss.backward();
        sgd.step();
        float value = loss.item();
        long done = System.nanoTime();
        teacherNanos += taught - start;
        studentNanos += done - taught;
        return value;
    }

    public static void main(String[] args) throws IOException {
        long rssAtStart = ProcessMemory.rss();
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 40;
        CckdStep step = new CckdStep(batch);
        System.out.println("backend: " + Backends.current().describe());
        for (int i = 0; i < warmup; i++) {
            step.run();
        }
        ProcessMemory.Window window = ProcessMemory.Window.start();
        step.teacherNanos = 0;
        step.studentNanos = 0;
        float loss = 0;
        for (int i = 0; i < steps; i++) {
            loss = step.run();
        }
        String memory = window.report(steps);
        System.out.printf(Locale.ROOT, "panagrad cckd resnet50->resnet18 batch=%d %dx%d: step_s=%.3f teacher_s=%.3f "
                        + "student_s=%.3f loss=%.4f%n", batch, HEIGHT, WIDTH,
                (step.teacherNanos + step.studentNanos) / 1e9 / steps, step.teacherNanos / 1e9 / steps,
                step.studentNanos / 1e9 / steps, loss);
        System.out.printf(Locale.ROOT, "panagrad cckd memory: %s rss_at_start_MB=%.1f max_heap_MB=%.0f%n", memory,
                rssAtStart / 1e6, Runtime.getRuntime().maxMemory() / 1e6);
    }
}
