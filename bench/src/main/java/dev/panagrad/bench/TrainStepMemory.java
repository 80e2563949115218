package dev.panagrad.bench;

import java.io.IOException;
import java.util.Locale;

/**
 * Memory of CIFAR ResNet training steps, for comparison with PyTorch's peak RSS
 * (bench/peer/torch_resnet_cifar.py prints it): after warm-up (3 steps and at least 5 seconds, so that C2
 * has compiled the kernels: code that runs before C2 boxes its vectors on the heap), over {@code steps}
 * steps, the peak of the Java heap (sum of the heap pools' peaks), the bytes allocated per step, the live heap after a full GC,
 * and the process's peak resident set. Run it as the benchmarks run (G1, the default heap or one sized from the work):
 * {@code java --add-modules=jdk.incubator.vector -XX:+UseG1GC [-Xmx..] -cp bench/target/benchmarks.jar
 * dev.panagrad.bench.TrainStepMemory [depth=20] [batch=64] [steps=5]}.
 */
public final class TrainStepMemory {
    private TrainStepMemory() {
    }

    public static void main(String[] args) throws IOException {
        int depth = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        TrainingStep step = new TrainingStep(depth, batch);
        long warmUntil = System.nanoTime() + 5_000_000_000L;
        for (int i = 0; i < 3 || System.nanoTime() < warmUntil; i++) {
            step.run();
        }
        ProcessMemory.Window window = ProcessMemory.Window.start();
        for (int i = 0; i < steps; i++) {
            step.run();
        }
        System.out.printf(Locale.ROOT, "panagrad resnet%d batch=%d memory: %s%n", depth, batch, window.report(steps));
    }
}
