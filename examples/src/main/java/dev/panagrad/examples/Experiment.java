package dev.panagrad.examples;

import dev.panagrad.cckd.loss.CorrelationCongruence;
import dev.panagrad.cckd.loss.CorrelationKernel;
import dev.panagrad.cckd.sampler.GroupUniformSampler;
import dev.panagrad.cckd.sampler.TeacherClusters;
import dev.panagrad.cckd.train.DistillationConfig;
import dev.panagrad.cckd.train.DistillationLoop;
import dev.panagrad.cckd.train.EmbeddingHead;
import dev.panagrad.cckd.train.EmbeddingStructure;
import dev.panagrad.cckd.train.Embeddings;
import dev.panagrad.cckd.train.EpochMetrics;
import dev.panagrad.cckd.train.Method;
import dev.panagrad.cckd.train.Retrieval;
import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.Module;
import dev.panagrad.nn.StateDict;
import dev.panagrad.nn.data.BatchSampler;
import dev.panagrad.nn.data.DataLoader;
import dev.panagrad.nn.data.ImageDataset;
import dev.panagrad.nn.data.RandomBatchSampler;
import dev.panagrad.nn.data.Transform;
import dev.panagrad.nn.io.Checkpoint;
import dev.panagrad.engine.io.Json;
import dev.panagrad.nn.io.SafeTensors;
import dev.panagrad.nn.models.ResNet;
import dev.panagrad.nn.models.ResNets;
import dev.panagrad.nn.optim.Optimizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One teacher and its students, trained stage by stage into an output folder:
 * <pre>
 * OUT/config.json                     the plan and the data used
 * OUT/teacher/                        metrics.csv, metrics.jsonl, checkpoint.safetensors, model.safetensors
 * OUT/students/METHOD/                the same, per distillation method
 * OUT/accuracy.svg, losses.svg        curves per epoch, one line per method (and the teacher's)
 * OUT/correlation.svg                 correlation matrices of teacher and students on one class-sorted batch
 * OUT/report.md                       the comparison table, with links to the charts
 * </pre>
 * After every epoch a stage appends its metrics and atomically rewrites its checkpoint (model,
 * optimiser, metrics so far). With {@code resume}, a finished stage is reloaded and an unfinished one
 * continues after its last complete epoch; seeds fix batches, augmentation and initialisation, so the
 * result equals that of an uninterrupted run.
 */
final class Experiment {
    /** The outcome of one stage. */
    record Stage(String name, String model, Method method, List<EpochMetrics> history, ResNet network) {
        EpochMetrics last() {
            return history.get(history.size() - 1);
        }

        double seconds() {
            return history.stream().mapToDouble(EpochMetrics::seconds).sum();
        }
    }

    private final ExperimentPlan plan;
    private final DataChoice.Resolved data;
    private final Path out;
    private final boolean resume;
    private final PrintStream console;
    private final int loaderWorkers;
    private final ImageDataset train;
    private final ImageDataset test;
    private final ImageDataset structureSet;
    private final Transform trainTransform;
    private final Transform testTransform;
    /** For tests: stop (as if killed) after this many epochs in this run; 0 never. */
    private int stopAfterEpochs;
    private int epochsThisRun;

    Experiment(ExperimentPlan plan, DataChoice.Resolved data, Path out, boolean resume, PrintStream console,
               int loaderWorkers) throws IOException {
        this.plan = plan;
        this.data = data;
        this.out = out;
        this.resume = resume;
        this.console = console;
        this.loaderWorkers = loaderWorkers;
        this.train = subset(data.split().train(), plan.trainSize(), plan.seed(), "train");
        this.test = subset(data.split().test(), plan.testSize(), plan.seed() + 1, "test");
        this.structureSet = test.subset(range(Math.min(500, test.size())), "structure");
        Transform normalize = normalization(data);
        int pad = train.height() >= 32 ? 4 : 2;
        this.trainTransform = Transform.compose(List.of(Transform.randomCrop(pad), Transform.horizontalFlip(0.5f), normalize));
        this.testTransform = normalize;
        Files.createDirectories(out);
        Map<String, Object> config = new LinkedHashMap<>(plan.asMap());
        config.put("data", data.name());
        config.put("data_note", data.note());
        config.put("data_description", train.description());
        config.put("train_images", (long) train.size());
        config.put("test_images", (long) test.size());
        config.put("image", train.channels() + "x" + train.height() + "x" + train.width());
        config.put("classes", (long) train.numClasses());
        if (data.statistics() != null) {
            config.put("channel_mean", floats(data.statistics().mean()));
            config.put("channel_std", floats(data.statistics().std()));
        }
        if (!data.skipped().isEmpty()) {
            config.put("skipped_images", data.skipped().stream().map(Path::toString).toList());
        }
        Files.writeString(out.resolve("config.json"), Json.write(config) + "\n", StandardCharsets.UTF_8);
    }

    void stopAfterEpochs(int n) {
        stopAfterEpochs = n;
    }

    ImageDataset train() {
        return train;
    }

    ImageDataset test() {
        return test;
    }

    Transform testTransform() {
        return testTransform;
    }

    /** One line on the data and sizes, printed at the start. */
    String summary() {
        return String.format("Data: %s (%s); %d training and %d test images of %dx%dx%d, %d classes. Teacher %s "
                        + "(%d epochs), student %s (%d epochs), batch %d, preset %s, seed %d.", data.name(), data.note(),
                train.size(), test.size(), train.channels(), train.height(), train.width(), train.numClasses(),
                plan.teacherModel(), plan.teacherEpochs(), plan.studentModel(), plan.studentEpochs(), plan.batchSize(),
                plan.preset(), plan.seed());
    }

    /** The teacher: loaded from {@code checkpoint} when given, else trained with cross-entropy (or resumed). */
    Stage teacher(Path checkpoint) throws IOException {
        ResNet net = ResNets.create(plan.teacherModel(), train.numClasses(), train.channels(), new Rng(plan.seed()));
        if (checkpoint != null) {
            Checkpoint.loadModel(checkpoint, net);
            console.println("Teacher " + plan.teacherModel() + " loaded from " + checkpoint);
            net.eval();
            dev.panagrad.cckd.train.Evaluation e = dev.panagrad.cckd.train.Evaluation.of(net, test, testTransform, 256);
            Embeddings emb = Embeddings.of(net, structureSet, testTransform);
            EpochMetrics m = new EpochMetrics(0, 0, Map.of(), Double.NaN, e.top1(), e.top5(), Double.NaN, 0,
                    EmbeddingStructure.of(emb), null, Retrieval.of(emb), null);
            return new Stage("teacher", plan.teacherModel(), Method.CE, List.of(m), net);
        }
        DistillationConfig config = config(Method.CE, plan.teacherEpochs());
        return stage("teacher", out.resolve("teacher"), net, null, null, config,
                new RandomBatchSampler(train.size(), plan.batchSize(), true, true, plan.seed()));
    }

    /** A student distilled from {@code teacher} with {@code method}. */
    Stage student(Method method, Stage teacher) throws IOException {
        long seed = plan.seed() + 100;
        ResNet net = ResNets.create(plan.studentModel(), train.numClasses(), train.channels(), new Rng(seed));
        ResNet peer = method == Method.DML
                ? ResNets.create(plan.studentModel(), train.numClasses(), train.channels(), new Rng(seed + 1)) : null;
        DistillationConfig config = config(method, plan.studentEpochs());
        return stage(method.cliName(), out.resolve("students").resolve(method.cliName()), net, peer,
                method.needsTeacher() ? teacher.network() : null, config, sampler(method, teacher.network()));
    }

    private DistillationConfig config(Method method, int epochs) {
        return DistillationConfig.defaults(method, epochs)
                .withSchedule(plan.schedule(epochs))
                .withBatchSize(plan.batchSize())
                .withWeightDecay(plan.weightDecay())
                .withWeights(plan.alpha(), plan.tau())
                .withBeta(plan.beta())
                .withKernel(CorrelationKernel.defaultKernel())
                .withEmbedding(plan.embedding())
                .withSeed(plan.seed() + method.ordinal());
    }

    private BatchSampler sampler(Method method, ResNet teacher) {
        String s = plan.sampler().equals("auto") ? (method == Method.CCKD ? "cur" : "ur") : plan.sampler();
        long seed = plan.seed() + 7;
        return switch (s) {
            case "ur" -> new RandomBatchSampler(train.size(), plan.batchSize(), true, true, seed);
            case "cur" -> GroupUniformSampler.classUniform(train.classIndex(), plan.batchSize(),
                    fitK(plan.k(), train.numClasses()), seed);
            case "sur" -> {
                int[] clusters = TeacherClusters.of(teacher, train, testTransform, plan.clusters(), seed);
                yield GroupUniformSampler.superclassUniform(clusters, plan.clusters(), plan.batchSize(),
                        fitK(plan.k(), plan.clusters()), seed);
            }
            default -> throw new IllegalArgumentException("--sampler: unknown '" + s + "'; known: ur, cur, sur");
        };
    }

    /** The smallest {@code k >= wanted} that divides the batch and needs no more groups than there are. */
    private int fitK(int wanted, int groups) {
        int b = plan.batchSize();
        for (int k = Math.max(1, wanted); k <= b; k++) {
            if (b % k == 0 && b / k <= groups) {
                return k;
            }
        }
        return b;
    }

    private Stage stage(String name, Path dir, ResNet net, ResNet peer, ResNet teacher, DistillationConfig config,
                        BatchSampler sampler) throws IOException {
        Files.createDirectories(dir);
        Path finalModel = dir.resolve("model.safetensors");
        Path checkpoint = dir.resolve("checkpoint.safetensors");
        String label = name.equals("teacher") ? "teacher " + plan.teacherModel() : config.method().cliName() + " "
                + plan.studentModel();
        try (DistillationLoop loop = new DistillationLoop(config, teacher, net, peer, train, test, structureSet,
                trainTransform, testTransform, sampler, loaderWorkers)) {
            List<EpochMetrics> history = new ArrayList<>();
            if (resume && Files.isRegularFile(checkpoint)) {
                history.addAll(restore(checkpoint, loop));
                if (history.size() >= config.epochs() && Files.isRegularFile(finalModel)) {
                    console.println(label + ": finished earlier, " + history.size() + " epochs (" + dir + ")");
                    MetricsLog.rewrite(dir, history);
                    return new Stage(name, net.name(), config.method(), history, net);
                }
                console.println(label + ": resuming after epoch " + history.size() + " of " + config.epochs());
            }
            MetricsLog.rewrite(dir, history);
            for (int epoch = history.size(); epoch < config.epochs(); epoch++) {
                if (stopAfterEpochs > 0 && epochsThisRun >= stopAfterEpochs) {
                    throw new InterruptedRun("stopped after " + epochsThisRun + " epochs");
                }
                ProgressBar bar = new ProgressBar(console, label, config.epochs());
                EpochMetrics m = loop.trainEpoch(epoch, bar);
                bar.finish(m);
                history.add(m);
                MetricsLog.append(dir, m);
                save(checkpoint, loop, history);
                epochsThisRun++;
            }
            Checkpoint.saveModel(finalModel, net);
            return new Stage(name, net.name(), config.method(), history, net);
        }
    }

    /** Thrown to simulate an interruption between epochs (tests). */
    static final class InterruptedRun extends RuntimeException {
        InterruptedRun(String message) {
            super(message);
        }
    }

    private void save(Path file, DistillationLoop loop, List<EpochMetrics> history) throws IOException {
        StateDict all = new StateDict();
        for (Map.Entry<String, Module> m : loop.modules().entrySet()) {
            m.getValue().stateDict().entries().forEach((k, e) -> all.put(m.getKey() + "." + k, e.tensor(), e.dtype()));
        }
        for (Map.Entry<String, Optimizer> o : loop.optimizers().entrySet()) {
            o.getValue().stateDict().entries().forEach((k, e) -> all.put(Checkpoint.OPTIMIZER_PREFIX + o.getKey() + "." + k,
                    e.tensor(), e.dtype()));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("epochs_done", Integer.toString(history.size()));
        meta.put("history", MetricsLog.historyJson(history));
        SafeTensors.write(file, all, meta);
    }

    private static List<EpochMetrics> restore(Path file, DistillationLoop loop) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        for (Map.Entry<String, Module> m : loop.modules().entrySet()) {
            m.getValue().loadStateDict(c.tensors().withPrefix(m.getKey() + "."));
        }
        for (Map.Entry<String, Optimizer> o : loop.optimizers().entrySet()) {
            o.getValue().loadStateDict(c.tensors().withPrefix(Checkpoint.OPTIMIZER_PREFIX + o.getKey() + "."));
        }
        return MetricsLog.parseHistory(c.metadata().get("history"));
    }

    /** Charts and report.md for the teacher and its students; returns the report's table. */
    String report(Stage teacher, List<Stage> students) throws IOException {
        Reports.charts(out, teacher, students);
        correlationFigure(teacher, students);
        return Reports.write(out, summary(), teacher, students, plan.retrievalFirst());
    }

    /** Heat maps of psi(F) on one class-sorted batch: 8 images of each of up to 8 classes. */
    private void correlationFigure(Stage teacher, List<Stage> students) throws IOException {
        int classes = Math.min(8, test.numClasses());
        List<Integer> picked = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            int[] members = test.classIndex().members(c);
            for (int i = 0; i < Math.min(8, members.length); i++) {
                picked.add(members[i]);
            }
        }
        int[] indices = picked.stream().mapToInt(Integer::intValue).toArray();
        DataLoader.Batch batch;
        try (DataLoader loader = new DataLoader(test, epoch -> List.of(indices), testTransform, 0, 1, 0)) {
            batch = loader.build(indices, 0);
        }
        List<String> titles = new ArrayList<>();
        List<float[]> matrices = new ArrayList<>();
        List<Stage> all = new ArrayList<>();
        all.add(teacher);
        all.addAll(students);
        for (Stage s : all) {
            s.network().eval();
            try (var ignored = Grad.disabled()) {
                Tensor emb = s.network().forwardAll(batch.images()).embedding();
                matrices.add(CorrelationCongruence.correlationMatrix(emb, CorrelationKernel.defaultKernel()).toArray());
            }
            titles.add(s.name().equals("teacher") ? "teacher " + s.model() : s.name() + " " + s.model());
        }
        Charts.write(Charts.heatMaps(titles, matrices, indices.length, 4), out.resolve("correlation.svg"));
    }

    private static ImageDataset subset(ImageDataset d, int size, long seed, String name) {
        if (size >= d.size()) {
            return d;
        }
        int[] order = range(d.size());
        new Rng(seed).shuffle(order);
        int[] picked = Arrays.copyOf(order, size);
        Arrays.sort(picked);
        return d.subset(picked, d.name() + "-" + name + size);
    }

    private static List<Float> floats(float[] v) {
        List<Float> list = new ArrayList<>();
        for (float f : v) {
            list.add(f);
        }
        return list;
    }

    private static int[] range(int n) {
        int[] a = new int[n];
        Arrays.setAll(a, i -> i);
        return a;
    }

    /** Per-channel normalisation: the statistics measured on a folder's training images, else the dataset's usual ones. */
    static Transform normalization(DataChoice.Resolved data) {
        if (data.statistics() != null) {
            return data.statistics().normalize();
        }
        return normalization(data.name(), data.split().train().channels());
    }

    /** Per-channel normalisation with the dataset's usual statistics. */
    static Transform normalization(String dataset, int channels) {
        return switch (dataset) {
            case "cifar100" -> Transform.normalize(new float[] {0.5071f, 0.4867f, 0.4408f}, new float[] {0.2675f, 0.2565f, 0.2761f});
            case "cifar10" -> Transform.normalize(new float[] {0.4914f, 0.4822f, 0.4465f}, new float[] {0.2470f, 0.2435f, 0.2616f});
            case "fashion-mnist" -> Transform.normalize(new float[] {0.2860f}, new float[] {0.3530f});
            default -> {
                float[] mean = new float[channels];
                float[] std = new float[channels];
                Arrays.fill(mean, 0.5f);
                Arrays.fill(std, 0.25f);
                yield Transform.normalize(mean, std);
            }
        };
    }
}
