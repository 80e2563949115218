package dev.panagrad.bench;

import dev.panagrad.engine.IntTensor;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.TensorScope;
import dev.panagrad.nn.data.DataLoader;
import dev.panagrad.nn.data.GeneratedImages;
import dev.panagrad.nn.data.RandomBatchSampler;
import dev.panagrad.nn.data.Transform;
import dev.panagrad.nn.loss.Losses;
import dev.panagrad.nn.models.ResNet;
import dev.panagrad.nn.models.ResNets;
import dev.panagrad.nn.optim.Sgd;
import java.util.Locale;

/**
 * A soak run: {@code steps} training steps of a ResNet-8 on generated 32 x 32 images through the data
 * loader (augmentation, two workers), each in a {@link TensorScope}, with the live heap (after a full GC)
 * and the resident set measured every {@code every} steps. A leak shows as either growing after warm-up.
 * {@code java --add-modules=jdk.incubator.vector -XX:+UseG1GC -cp bench/target/benchmarks.jar
 * dev.panagrad.bench.SoakTrain [steps=1000] [every=100]}.
 */
public final class SoakTrain {
    private SoakTrain() {
    }

    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int every = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        Rng rng = new Rng(0);
        var split = GeneratedImages.split(2048, 16, 10, 2, 3, 32, 0);
        ResNet model = ResNets.create("resnet8", split.train().numClasses(), rng);
        Sgd opt = new Sgd(model.parameters(), 0.05, 0.9, 0, 5e-4, false);
        Transform augment = Transform.compose(java.util.List.of(Transform.randomCrop(4), Transform.horizontalFlip(0.5f)));
        System.out.printf("%6s %12s %12s %10s %10s%n", "step", "live MB", "committed MB", "RSS MB", "loss");
        long start = System.nanoTime();
        int step = 0;
        DataLoader loader = new DataLoader(split.train(), new RandomBatchSampler(split.train().size(), 64, true, true, 7),
                augment, 2, 2, 11);
        try (loader) {
            for (int epoch = 0; step < steps; epoch++) {
                for (DataLoader.Batch b : loader.epoch(epoch)) {
                    if (step == steps) {
                        break;
                    }
                    float l;
                    // Activations die as backward passes them, the step's other tensors at its end.
                    try (TensorScope scope = TensorScope.open().releasingSavedTensors()) {
                        opt.zeroGrad();
                        Tensor loss = Losses.crossEntropy(model.forward(b.images()), b.labels());
                        loss.backward();
                        opt.step();
                        l = loss.item();
                    }
                    step++;
                    if (step % every == 0 || step == 1) {
                        System.gc();
                        System.out.printf(Locale.ROOT, "%6d %12.1f %12.1f %10.1f %10.4f%n", step,
                                ProcessMemory.heapUsed() / 1e6, ProcessMemory.heapCommitted() / 1e6,
                                ProcessMemory.rss() / 1e6, l);
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "%d steps in %.1f s%n", steps, (System.nanoTime() - start) / 1e9);
    }
}
