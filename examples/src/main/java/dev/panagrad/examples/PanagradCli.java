package dev.panagrad.examples;

import dev.panagrad.cckd.train.Evaluation;
import dev.panagrad.cckd.train.EmbeddingHead;
import dev.panagrad.cckd.train.Method;
import dev.panagrad.engine.Backends;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.backend.Parallel;
import dev.panagrad.nn.io.Checkpoint;
import dev.panagrad.nn.io.CheckpointFormatException;
import dev.panagrad.nn.io.SafeTensors;
import dev.panagrad.nn.models.ResNet;
import dev.panagrad.nn.models.ResNets;
import dev.panagrad.nn.onnx.OnnxExport;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The command-line entry point. Without a subcommand it runs the default job: a small CIFAR-100
 * distillation (or Fashion-MNIST, or generated data, when CIFAR-100 is unavailable) that trains a
 * teacher, distils a student from it with CE, KD and CCKD, and prints the comparison table.
 */
@Command(name = "panagrad", mixinStandardHelpOptions = true, version = "panagrad 0.1.0",
        description = "Knowledge distillation with Correlation Congruence (CCKD), in pure Java.%n"
                + "Without a command: train a teacher, distil a student with ce, kd and cckd, and compare.",
        subcommands = {PanagradCli.Compare.class, PanagradCli.TrainTeacher.class, PanagradCli.Distill.class,
            PanagradCli.Eval.class, PanagradCli.Export.class, PanagradCli.Learn.class, CommandLine.HelpCommand.class})
public final class PanagradCli implements Callable<Integer> {
    /** The help text of --model: the zoo of {@code ResNets.names()}. */
    static final String MODEL_NAMES = "model name: resnet8, resnet14, resnet20, resnet32, resnet44, resnet56, resnet110, "
            + "resnet8x4, resnet32x4, resnet18, resnet34, resnet50";

    @Mixin
    Options options;

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /** Runs the command line and returns the exit code. */
    static int run(String[] args, PrintStream out) {
        CommandLine cli = new CommandLine(new PanagradCli());
        cli.setOut(new java.io.PrintWriter(out, true));
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("error: " + e.getMessage());
            return 1;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        return new Compare().run(options, List.of(Method.CE, Method.KD, Method.CCKD));
    }

    /** Options shared by every command. */
    static final class Options {
        @Option(names = "--dataset", defaultValue = "auto", description = "auto, cifar100, cifar10, fashion-mnist, folder "
                + "(your own images, with --data) or generated (default: ${DEFAULT-VALUE})")
        String dataset;

        @Option(names = "--data", description = "the dataset's folder: for folder, DIR with DIR/train/<class>/<image> "
                + "(PNG, JPEG, BMP, GIF) and optionally DIR/test/<class>/<image>; for cifar100 the folder of train.bin "
                + "and test.bin (default data/cifar-100-binary); for cifar10 the folder of data_batch_*.bin "
                + "(default data/cifar-10-batches-bin)")
        Path data;

        @Option(names = "--image-size", description = "folder: resize images to H or HxW "
                + "(height x width) (default: 32, with --preset reid 256x128)")
        String imageSize;

        @Option(names = "--test-fraction", defaultValue = "0.2", description = "folder without test/: share of each class "
                + "held out for testing (default: ${DEFAULT-VALUE})")
        double testFraction;

        @Option(names = "--skip-bad-images", description = "folder: leave out files that do not decode (counted in the "
                + "report) instead of stopping at the first")
        boolean skipBadImages;

        @Option(names = "--out", defaultValue = "runs/latest", description = "output folder (default: ${DEFAULT-VALUE})")
        Path out;

        @Option(names = "--preset", defaultValue = "quick", description = "quick (minutes on two cores), full (the CIFAR-100 "
                + "benchmark recipe) or reid (the paper's re-identification setting on --dataset folder: ResNet-50 to "
                + "ResNet-18, 256-d heads, batch 40, 256x128 images, SUR, 90 epochs) (default: ${DEFAULT-VALUE})")
        String preset;

        @Option(names = "--epochs", description = "epochs of every stage (overrides the preset)")
        Integer epochs;

        @Option(names = "--train-size", description = "training images used (overrides the preset)")
        Integer trainSize;

        @Option(names = "--test-size", description = "test images used (overrides the preset)")
        Integer testSize;

        @Option(names = "--teacher", description = "teacher model (overrides the preset; see the model list in --help of eval)")
        String teacher;

        @Option(names = "--student", description = "student model (overrides the preset)")
        String student;

        @Option(names = "--teacher-checkpoint", description = "use this teacher model file (safetensors, e.g. converted from PyTorch) instead of training one")
        Path teacherCheckpoint;

        @Option(names = "--sampler", defaultValue = "auto", description = "students' batches: ur, cur, sur, or auto (ur; cur for cckd) (default: ${DEFAULT-VALUE})")
        String sampler;

        @Option(names = "--beta", description = "weight of the CC term (default 16: the paper's 0.004 on a sum over a 64 x 64 matrix, for our mean)")
        Float beta;

        @Option(names = "--seed", defaultValue = "1", description = "seed of everything random (default: ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--threads", description = "compute threads (default: all cores)")
        Integer threads;

        @Option(names = "--backend", defaultValue = "simd", description = "simd or opencl (default: ${DEFAULT-VALUE})")
        String backend;

        @Option(names = "--workers", defaultValue = "1", description = "data-loading threads (default: ${DEFAULT-VALUE})")
        int workers;

        @Option(names = "--resume", description = "continue the run in --out after its last complete epoch")
        boolean resume;

        /** The data options as one request. */
        DataChoice.Request dataRequest() {
            if (preset.equals("reid") && !dataset.equals("folder")) {
                throw new IllegalArgumentException("--preset reid trains on your own images: give --dataset folder --data DIR"
                        + " (got --dataset " + dataset + ")");
            }
            int[] hw = imageSize(imageSize != null ? imageSize : preset.equals("reid") ? "256x128" : "32");
            return new DataChoice.Request(dataset, data, seed, hw[0], hw[1], testFraction, skipBadImages);
        }

        /** {@code "32"} is 32 x 32, {@code "256x128"} is 256 high and 128 wide. */
        static int[] imageSize(String text) {
            String[] parts = text.toLowerCase(java.util.Locale.ROOT).split("x", -1);
            try {
                if (parts.length == 1) {
                    int n = Integer.parseInt(parts[0].trim());
                    return positive(new int[] {n, n}, text);
                }
                if (parts.length == 2) {
                    return positive(new int[] {Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim())}, text);
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("--image-size: expected H or HxW, such as 32 or 256x128, got '" + text + "'");
        }

        private static int[] positive(int[] hw, String text) {
            if (hw[0] <= 0 || hw[1] <= 0) {
                throw new IllegalArgumentException("--image-size: sizes must be positive, got '" + text + "'");
            }
            return hw;
        }

        /** Applies --threads and --backend. */
        void applyRuntime(PrintStream out) {
            if (threads != null) {
                Parallel.setThreads(threads);
            }
            Backends.use(backend);
            out.println("Backend: " + Backends.current().describe());
        }

        ExperimentPlan plan(DataChoice.Resolved data) {
            int trainAll = data.split().train().size();
            int testAll = data.split().test().size();
            int classes = data.split().train().numClasses();
            if (preset.equals("reid")) {
                return reidPlan(trainAll, testAll, classes);
            }
            boolean full = switch (preset) {
                case "quick" -> false;
                case "full" -> true;
                default -> throw new IllegalArgumentException("--preset: unknown '" + preset + "'; known: quick, full, reid");
            };
            String t = teacher != null ? teacher : full ? "resnet56" : "resnet20";
            String s = student != null ? student : full ? "resnet20" : "resnet8";
            int teacherEpochs = epochs != null ? epochs : full ? 240 : 12;
            int studentEpochs = epochs != null ? epochs : full ? 240 : 8;
            int[] milestones = full ? new int[] {150, 180, 210} : new int[0];
            int trainN = Math.min(trainAll, trainSize != null ? trainSize : full ? trainAll : 5000);
            int testN = Math.min(testAll, testSize != null ? testSize : full ? testAll : 1000);
            return new ExperimentPlan(preset, t, s, teacherEpochs, studentEpochs, trainN, testN, 64, 0.05, milestones, 5e-4,
                    4f, 0.1f, beta != null ? beta : 16f, sampler, 4, Math.max(2, classes / 5), EmbeddingHead.Kind.AUTO, seed);
        }

        /**
         * The paper's re-identification setting: ResNet-50 teacher, ResNet-18 student, 256-d embedding heads,
         * batch 40, SGD with momentum at lr 3e-4 divided by 10 at epochs 45 and 60 of 90, weight decay 5e-4,
         * CC with the Gaussian-Taylor kernel and the SUR sampler (unless --sampler says otherwise).
         */
        private ExperimentPlan reidPlan(int trainAll, int testAll, int classes) {
            int teacherEpochs = epochs != null ? epochs : 90;
            int studentEpochs = epochs != null ? epochs : 90;
            return new ExperimentPlan(preset, teacher != null ? teacher : "resnet50", student != null ? student : "resnet18",
                    teacherEpochs, studentEpochs, Math.min(trainAll, trainSize != null ? trainSize : trainAll),
                    Math.min(testAll, testSize != null ? testSize : testAll), 40, 3e-4, new int[] {45, 60}, 5e-4, 4f, 0.1f,
                    beta != null ? beta : 16f, sampler.equals("auto") ? "sur" : sampler, 4, Math.max(2, classes / 5),
                    EmbeddingHead.Kind.D256, seed);
        }
    }

    /** Trains the teacher, then a student per method, and writes the comparison. */
    @Command(name = "compare", mixinStandardHelpOptions = true,
            description = "Train (or load) a teacher, distil one student per method, and compare them.")
    static final class Compare implements Callable<Integer> {
        @Mixin
        Options options;

        @Option(names = "--methods", split = ",", defaultValue = "ce,kd,cckd",
                description = "methods to compare: ce, kd, cckd, at, dml, adv, l2 (default: ${DEFAULT-VALUE})")
        List<String> methods;

        @Override
        public Integer call() throws Exception {
            List<Method> parsed = new ArrayList<>();
            for (String m : methods) {
                parsed.add(Method.parse(m));
            }
            return run(options, parsed);
        }

        int run(Options o, List<Method> list) throws Exception {
            PrintStream out = System.out;
            o.applyRuntime(out);
            DataChoice.Resolved data = DataChoice.resolve(o.dataRequest(), out);
            Experiment exp = new Experiment(o.plan(data), data, o.out, o.resume, out, o.workers);
            out.println(exp.summary());
            Experiment.Stage teacher = exp.teacher(o.teacherCheckpoint);
            List<Experiment.Stage> students = new ArrayList<>();
            for (Method m : list) {
                students.add(exp.student(m, teacher));
            }
            String table = exp.report(teacher, students);
            out.println();
            out.println(table);
            out.println("Report, charts, metrics and models: " + o.out.toAbsolutePath());
            return 0;
        }
    }

    /** Trains only the teacher. */
    @Command(name = "train-teacher", mixinStandardHelpOptions = true, description = "Train the teacher with cross-entropy.")
    static final class TrainTeacher implements Callable<Integer> {
        @Mixin
        Options options;

        @Override
        public Integer call() throws Exception {
            PrintStream out = System.out;
            options.applyRuntime(out);
            DataChoice.Resolved data = DataChoice.resolve(options.dataRequest(), out);
            Experiment exp = new Experiment(options.plan(data), data, options.out, options.resume, out, options.workers);
            out.println(exp.summary());
            Experiment.Stage t = exp.teacher(null);
            out.printf("teacher %s: test top-1 %.2f%%, top-5 %.2f%%; model in %s%n", t.model(), 100 * t.last().testTop1(),
                    100 * t.last().testTop5(), options.out.resolve("teacher/model.safetensors").toAbsolutePath());
            return 0;
        }
    }

    /** One student with one method. */
    @Command(name = "distill", mixinStandardHelpOptions = true, description = "Distil one student with one method.")
    static final class Distill implements Callable<Integer> {
        @Mixin
        Options options;

        @Option(names = "--method", defaultValue = "cckd", description = "ce, kd, cckd, at, dml, adv or l2 (default: ${DEFAULT-VALUE})")
        String method;

        @Override
        public Integer call() throws Exception {
            return new Compare().run(options, List.of(Method.parse(method)));
        }
    }

    /** Accuracy of a saved model on the test set. */
    @Command(name = "eval", mixinStandardHelpOptions = true, description = "Evaluate a model file on the test images.")
    static final class Eval implements Callable<Integer> {
        @Mixin
        Options options;

        @Option(names = "--model", required = true, description = MODEL_NAMES)
        String model;

        @Option(names = "--checkpoint", required = true, description = "model file (safetensors)")
        Path checkpoint;

        @Override
        public Integer call() throws Exception {
            PrintStream out = System.out;
            options.applyRuntime(out);
            DataChoice.Resolved data = DataChoice.resolve(options.dataRequest(), out);
            ResNet net = ResNets.create(model, data.split().train().numClasses(), data.split().train().channels(),
                    new Rng(options.seed));
            Checkpoint.loadModel(checkpoint, net);
            Evaluation e = Evaluation.of(net, data.split().test(), Experiment.normalization(data), 256);
            out.printf("%s on %d %s test images: top-1 %.2f%%, top-5 %.2f%%%n", model, e.images(), data.name(), 100 * e.top1(),
                    100 * e.top5());
            return 0;
        }
    }

    /** The small programs of the walkthrough (docs/walkthrough.md), each one step of learning the engine. */
    @Command(name = "learn", mixinStandardHelpOptions = true,
            description = "Run one of the walkthrough's programs (docs/walkthrough.md): scalar (autodiff on single "
                    + "numbers in one page), mlp (a two-layer perceptron from tensors and autodiff), custom-op (an op "
                    + "with its own backward, checked by finite differences) or distill (a teacher and a student "
                    + "distilled with CE + KD + CC, in library calls; the options below are its own).")
    static final class Learn implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "PROGRAM", description = "scalar, mlp, custom-op or distill")
        String program;

        @Option(names = "--images", paramLabel = "DIR",
                description = "distill: a folder with one sub-folder of images per class (default: generated images)")
        Path images;

        @Option(names = "--teacher", paramLabel = "FILE",
                description = "distill: a ResNet-20 checkpoint for these classes (default: train one first)")
        Path teacher;

        @Option(names = "--out", paramLabel = "FILE", defaultValue = "student.safetensors",
                description = "distill: where the student is saved (default: ${DEFAULT-VALUE})")
        Path out;

        @Option(names = "--epochs", paramLabel = "N", defaultValue = "6", description = "distill: epochs for teacher and student (default: ${DEFAULT-VALUE})")
        int epochs;

        @Override
        public Integer call() throws Exception {
            PrintStream log = System.out;
            switch (program) {
                case "scalar" -> dev.panagrad.examples.learn.ScalarAutodiff.run(log);
                case "mlp" -> dev.panagrad.examples.learn.MlpFromScratch.run(log);
                case "custom-op" -> dev.panagrad.examples.learn.CustomOp.run(log);
                case "distill" -> dev.panagrad.examples.learn.DistillYourOwn.run(log, images, teacher, out, epochs);
                default -> throw new IllegalArgumentException("learn: unknown program '" + program
                        + "'; known: scalar, mlp, custom-op, distill");
            }
            return 0;
        }
    }

    /** A saved model as an ONNX file, for inference elsewhere. */
    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write a saved model as ONNX (opset 13): input images [batch, channels, height, width], "
                    + "output logits (and with --embedding the pooled embedding).")
    static final class Export implements Callable<Integer> {
        @Option(names = "--model", required = true, description = MODEL_NAMES)
        String model;

        @Option(names = "--checkpoint", required = true, description = "model file (safetensors); its fc and conv1 "
                + "weights give the number of classes and input channels")
        Path checkpoint;

        @Option(names = "--out", required = true, description = "the ONNX file to write")
        Path out;

        @Option(names = "--embedding", description = "also output the pooled embedding (the input of fc)")
        boolean embedding;

        @Override
        public Integer call() throws Exception {
            SafeTensors.Contents saved = SafeTensors.read(checkpoint);
            Tensor fc = saved.tensors().get("fc.weight");
            Tensor conv1 = saved.tensors().get("conv1.weight");
            if (fc == null || conv1 == null) {
                throw new CheckpointFormatException(checkpoint, "has no " + (fc == null ? "fc.weight" : "conv1.weight")
                        + "; is it a model of the zoo?");
            }
            ResNet net = ResNets.create(model, fc.dims()[0], conv1.dims()[1], new Rng(0));
            Checkpoint.loadModel(checkpoint, net);
            OnnxExport.write(net, embedding, out);
            System.out.printf("%s (%d classes, %d input channels) written to %s, %d bytes%n", model, fc.dims()[0],
                    conv1.dims()[1], out, java.nio.file.Files.size(out));
            return 0;
        }
    }
}
