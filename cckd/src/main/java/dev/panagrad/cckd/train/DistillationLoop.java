package dev.panagrad.cckd.train;

import dev.panagrad.cckd.loss.AttentionTransfer;
import dev.panagrad.cckd.loss.CorrelationCongruence;
import dev.panagrad.cckd.loss.Discriminator;
import dev.panagrad.cckd.loss.KnowledgeDistillation;
import dev.panagrad.cckd.loss.L2Mimic;
import dev.panagrad.cckd.loss.MutualLearning;
import dev.panagrad.engine.Grad;
import dev.panagrad.engine.IntTensor;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.TensorScope;
import dev.panagrad.nn.Module;
import dev.panagrad.nn.data.BatchSampler;
import dev.panagrad.nn.data.DataLoader;
import dev.panagrad.nn.data.ImageDataset;
import dev.panagrad.nn.data.Transform;
import dev.panagrad.nn.loss.Losses;
import dev.panagrad.nn.models.ResNet;
import dev.panagrad.nn.optim.Optimizer;
import dev.panagrad.nn.optim.Sgd;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains a student, epoch by epoch, with one of the {@link Method}s: a frozen teacher (evaluation mode,
 * forward without a graph), the student, an embedding head, and where the method needs them a peer
 * student (DML) or a discriminator (Adv). After each epoch it evaluates top-1 and top-5 on the test set
 * and the embedding structure on a fixed subset, and returns an {@link EpochMetrics}.
 *
 * <p>Every random choice (initialisation, batches, augmentation) comes from seeds, and the batches of
 * epoch e depend only on the seed and e, so a run resumed from a checkpoint after epoch e continues as
 * the uninterrupted run would have.
 */
public final class DistillationLoop implements AutoCloseable {
    /** Told of progress inside an epoch. */
    @FunctionalInterface
    public interface Listener {
        /** After batch {@code batch} (1-based) of {@code batches}, with running means of the loss terms. */
        void onBatch(int epoch, int batch, int batches, Map<String, Double> running, double imagesPerSecond);

        Listener NONE = (e, b, n, r, ips) -> { };
    }

    private final DistillationConfig config;
    private final ResNet teacher;
    private final ResNet student;
    private final ResNet peer;
    private final EmbeddingHead head;
    private final Discriminator discriminator;
    private final Map<String, Optimizer> optimizers = new LinkedHashMap<>();
    private final ImageDataset test;
    private final ImageDataset structureSet;
    private final Transform testTransform;
    private final DataLoader loader;
    private EmbeddingStructure teacherStructure;
    private Retrieval teacherRetrieval;

    /**
     * @param teacher      required unless the method is CE or DML
     * @param peer         the second student of DML (else null)
     * @param structureSet images for the embedding-structure metric (a fixed subset of the test set)
     */
    public DistillationLoop(DistillationConfig config, ResNet teacher, ResNet student, ResNet peer, ImageDataset train,
                            ImageDataset test, ImageDataset structureSet, Transform trainTransform, Transform testTransform,
                            BatchSampler sampler, int loaderWorkers) {
        if (config.method().needsTeacher() && teacher == null) {
            throw new IllegalArgumentException("distillation: method " + config.method().cliName() + " needs a teacher");
        }
        if (config.method() == Method.DML && peer == null) {
            throw new IllegalArgumentException("distillation: dml needs a peer student");
        }
        this.config = config;
        this.teacher = teacher;
        this.student = student;
        this.peer = config.method() == Method.DML ? peer : null;
        this.test = test;
        this.structureSet = structureSet;
        this.testTransform = testTransform;
        Rng rng = new Rng(config.seed() ^ 0x5DEECE66DL);
        int teacherWidth = teacher == null ? student.embeddingSize() : teacher.embeddingSize();
        this.head = new EmbeddingHead(config.embedding(), student.embeddingSize(), teacherWidth, rng);
        List<Tensor> params = new ArrayList<>(student.parameters());
        params.addAll(head.trainable());
        optimizers.put("student", sgd(params));
        if (this.peer != null) {
            optimizers.put("peer", sgd(this.peer.parameters()));
        }
        if (config.method() == Method.ADV) {
            int width = config.embedding() == EmbeddingHead.Kind.D256 ? 256 : teacherWidth;
            discriminator = new Discriminator(width, rng);
            optimizers.put("discriminator", sgd(discriminator.parameters()));
        } else {
            discriminator = null;
        }
        if (teacher != null) {
            teacher.eval();
        }
        this.loader = new DataLoader(train, sampler, trainTransform, loaderWorkers, 4, config.seed());
    }

    private Sgd sgd(List<Tensor> params) {
        return new Sgd(params, config.schedule().lr(0), config.momentum(), 0, config.weightDecay(), false);
    }

    /** Everything trainable, by name, for checkpoints: student, head, and peer or discriminator when present. */
    public Map<String, Module> modules() {
        Map<String, Module> m = new LinkedHashMap<>();
        m.put("student", student);
        m.put("head", head);
        if (peer != null) {
            m.put("peer", peer);
        }
        if (discriminator != null) {
            m.put("discriminator", discriminator);
        }
        return m;
    }

    /** The optimisers, by name, for checkpoints. */
    public Map<String, Optimizer> optimizers() {
        return optimizers;
    }

    public EmbeddingHead head() {
        return head;
    }

    /** Trains epoch {@code epoch} (0-based) and evaluates. */
    public EpochMetrics trainEpoch(int epoch, Listener listener) {
        double lr = config.schedule().lr(epoch);
        for (Optimizer o : optimizers.values()) {
            o.setLr(lr);
        }
        student.train();
        head.train();
        if (peer != null) {
            peer.train();
        }
        if (discriminator != null) {
            discriminator.train();
        }
        Map<String, Double> sums = new LinkedHashMap<>();
        int seen = 0;
        int correct = 0;
        int batches = loader.batchCount(epoch);
        int b = 0;
        long start = System.nanoTime();
        for (DataLoader.Batch batch : loader.epoch(epoch)) {
            int n = batch.size();
            // Everything the step makes dies with it; its memory serves the next step. Read what we report first.
            try (TensorScope step = TensorScope.open()) {
                Map<String, Tensor> terms = step(batch.images(), batch.labels());
                for (Map.Entry<String, Tensor> t : terms.entrySet()) {
                    if (!t.getKey().equals("logits")) {
                        sums.merge(t.getKey(), (double) t.getValue().item() * n, Double::sum);
                    }
                }
                correct += Evaluation.topCounts(terms.get("logits"), batch)[0];
            }
            seen += n;
            b++;
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Double> running = new LinkedHashMap<>();
            int count = seen;
            sums.forEach((k, v) -> running.put(k, v / count));
            running.put("acc", correct / (double) seen);
            listener.onBatch(epoch, b, batches, running, seen / seconds);
        }
        double trainSeconds = (System.nanoTime() - start) / 1e9;
        Map<String, Double> losses = new LinkedHashMap<>();
        int total = Math.max(1, seen);
        sums.forEach((k, v) -> losses.put(k, v / total));
        Evaluation eval = Evaluation.of(student, test, testTransform, 256);
        Embeddings studentEmbeddings = Embeddings.of(student, structureSet, testTransform);
        if (teacher != null && teacherStructure == null) {
            Embeddings t = Embeddings.of(teacher, structureSet, testTransform);
            teacherStructure = EmbeddingStructure.of(t);
            teacherRetrieval = Retrieval.of(t);
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        return new EpochMetrics(epoch, lr, losses, correct / (double) total, eval.top1(), eval.top5(),
                seen / trainSeconds, elapsed, EmbeddingStructure.of(studentEmbeddings), teacherStructure,
                Retrieval.of(studentEmbeddings), teacherRetrieval);
    }

    /** One optimisation step; returns the loss terms (and the student's logits under "logits"). */
    private Map<String, Tensor> step(Tensor x, IntTensor y) {
        ResNet.Output t = null;
        if (teacher != null && config.method().needsTeacher()) {
            try (var ignored = Grad.disabled()) {
                t = teacher.forwardAll(x);
            }
        }
        ResNet.Output s = student.forwardAll(x);
        Map<String, Tensor> terms = new LinkedHashMap<>();
        Tensor ce = Losses.crossEntropy(s.logits(), y);
        terms.put("ce", ce);
        Tensor total;
        switch (config.method()) {
            case CE -> total = ce;
            case KD -> {
                Tensor kd = KnowledgeDistillation.loss(s.logits(), t.logits(), config.tau());
                terms.put("kd", kd);
                total = ce.mul(config.alpha()).add(kd.mul(1 - config.alpha()));
            }
            case CCKD -> {
                Tensor kd = KnowledgeDistillation.loss(s.logits(), t.logits(), config.tau());
                Tensor cc = CorrelationCongruence.loss(head.forward(s.embedding()), head.teacher(t.embedding()),
                        config.kernel());
                terms.put("kd", kd);
                terms.put("cc", cc);
                total = ce.mul(config.alpha()).add(kd.mul(1 - config.alpha())).add(cc.mul(config.beta()));
            }
            case AT -> {
                int k = Math.min(config.atStages(), s.stages().size());
                Tensor at = AttentionTransfer.loss(s.stages().subList(s.stages().size() - k, s.stages().size()),
                        t.stages().subList(t.stages().size() - k, t.stages().size()), config.atBeta());
                terms.put("at", at);
                total = ce.add(at);
            }
            case DML -> {
                ResNet.Output p = peer.forwardAll(x);
                Tensor cePeer = Losses.crossEntropy(p.logits(), y);
                Tensor mimic = MutualLearning.mimicry(s.logits(), p.logits());
                Tensor mimicPeer = MutualLearning.mimicry(p.logits(), s.logits());
                terms.put("kl", mimic);
                terms.put("ce_peer", cePeer);
                terms.put("kl_peer", mimicPeer);
                total = ce.add(mimic).add(cePeer).add(mimicPeer);
            }
            case ADV -> {
                Tensor se = head.forward(s.embedding());
                Tensor te = head.teacher(t.embedding());
                Optimizer d = optimizers.get("discriminator");
                d.zeroGrad();
                Tensor dLoss = discriminator.discriminatorLoss(te, se);
                dLoss.backward();
                d.step();
                Tensor gLoss = discriminator.generatorLoss(se);
                terms.put("adv_d", dLoss);
                terms.put("adv_g", gLoss);
                total = ce.add(gLoss.mul(config.auxWeight()));
            }
            case L2 -> {
                Tensor l2 = L2Mimic.loss(head.forward(s.embedding()), head.teacher(t.embedding()));
                terms.put("l2", l2);
                total = ce.add(l2.mul(config.auxWeight()));
            }
            default -> throw new IllegalStateException(config.method().toString());
        }
        terms.put("total", total);
        for (Optimizer o : optimizers.values()) {
            o.zeroGrad();
        }
        total.backward();
        optimizers.get("student").step();
        if (peer != null) {
            optimizers.get("peer").step();
        }
        terms.put("logits", s.logits());
        return terms;
    }

    @Override
    public void close() {
        loader.close();
    }
}
