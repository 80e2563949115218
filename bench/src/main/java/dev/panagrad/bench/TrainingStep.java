package dev.panagrad.bench;

import dev.panagrad.engine.IntTensor;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.TensorScope;
import dev.panagrad.nn.loss.Losses;
import dev.panagrad.nn.models.ResNet;
import dev.panagrad.nn.models.ResNets;
import dev.panagrad.nn.optim.Sgd;

/**
 * One training step of a CIFAR ResNet on a fixed batch of random 32 x 32 colour images with 100 classes,
 * as bench/peer/torch_resnet_cifar.py measures it: zero the gradients, forward, cross-entropy, backward,
 * SGD (lr 0.1, momentum 0.9, weight decay 5e-4). Model, batch and labels come from seed 0. The step that
 * the JMH benchmark, the profile, the memory measurement and the GPU run all run; it runs on the backend
 * current when {@link #run()} is called.
 */
public final class TrainingStep {
    private final ResNet model;
    private final Sgd optimizer;
    private final Tensor images;
    private final IntTensor labels;

    /** resnet{depth} with 100 classes and a batch of {@code batch} images [batch, 3, 32, 32]. */
    public TrainingStep(int depth, int batch) {
        Rng rng = new Rng(0);
        model = ResNets.create("resnet" + depth, 100, rng);
        model.train();
        optimizer = new Sgd(model.parameters(), 0.1, 0.9, 0, 5e-4, false);
        images = Tensor.randn(rng, batch, 3, 32, 32);
        int[] y = new int[batch];
        for (int i = 0; i < batch; i++) {
            y[i] = rng.nextInt(100);
        }
        labels = IntTensor.of(y);
    }

    /** Runs one step; returns the loss. */
    public float run() {
        // Activations die as backward passes them, the step's other tensors at its end.
        try (TensorScope step = TensorScope.open().releasingSavedTensors()) {
            optimizer.zeroGrad();
            Tensor loss = Losses.crossEntropy(model.forward(images), labels);
            loss.backward();
            optimizer.step();
            return loss.item();
        }
    }
}
