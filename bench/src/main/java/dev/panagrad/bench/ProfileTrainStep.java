package dev.panagrad.bench;

import dev.panagrad.engine.IntTensor;
import dev.panagrad.engine.Parallel;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.backend.Backends;
import dev.panagrad.engine.profile.OpProfiler;
import dev.panagrad.nn.loss.Losses;
import dev.panagrad.nn.models.ResNet;
import dev.panagrad.nn.models.ResNets;
import dev.panagrad.nn.optim.Sgd;

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
        Rng rng = new Rng(0);
        ResNet model = ResNets.create("resnet" + depth, 100, rng);
        Sgd opt = new Sgd(model.parameters(), 0.1, 0.9, 0, 5e-4, false);
        Tensor x = Tensor.randn(rng, batch, 3, 32, 32);
        int[] y = new int[batch];
        for (int i = 0; i < batch; i++) {
            y[i] = rng.nextInt(100);
        }
        IntTensor labels = IntTensor.of(y);
        try (OpProfiler p = OpProfiler.start()) {
            for (int i = 0; i < 20; i++) { // warm-up: C2 compiles the kernels
                step(model, opt, x, labels);
            }
            p.reset();
            for (int i = 0; i < steps; i++) {
                step(model, opt, x, labels);
            }
            System.out.printf("resnet%d training, batch %d, %d steps, backend %s, %d threads%n%n", depth, batch, steps,
                    Backends.current().describe(), Parallel.threads());
            System.out.print(p.table());
        }
    }

    private static void step(ResNet model, Sgd opt, Tensor x, IntTensor labels) {
        opt.zeroGrad();
        Tensor loss = Losses.crossEntropy(model.forward(x), labels);
        loss.backward();
        opt.step();
        loss.item();
    }
}
