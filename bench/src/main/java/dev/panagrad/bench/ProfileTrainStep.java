package dev.panagrad.bench;

import dev.panagrad.engine.backend.Parallel;
import dev.panagrad.engine.Backends;
import dev.panagrad.engine.OpProfiler;

/**
 * Prints the op profile of CIFAR ResNet training steps (the step of {@link ResNetTrainStepBench}) after
 * warm-up: {@code java --add-modules=jdk.incubator.vector -XX:+UseG1GC -cp bench/target/benchmarks.jar
 * dev.panagrad.bench.ProfileTrainStep [depth=20] [batch=64] [steps=10]}.
 */
public final class ProfileTrainStep {
    private ProfileTrainStep() {
    }

    public static void main(String[] args) {
        int depth = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        TrainingStep step = new TrainingStep(depth, batch);
        try (OpProfiler p = OpProfiler.start()) {
            for (int i = 0; i < 20; i++) { // warm-up: C2 compiles the kernels
                step.run();
            }
            p.reset();
            for (int i = 0; i < steps; i++) {
                step.run();
            }
            System.out.printf("resnet%d training, batch %d, %d steps, backend %s, %d threads%n%n", depth, batch, steps,
                    Backends.current().describe(), Parallel.threads());
            System.out.print(p.table());
        }
    }

}
