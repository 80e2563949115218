package dev.panagrad.cckd.train;

import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.TensorScope;
import dev.panagrad.nn.data.DataLoader;
import dev.panagrad.nn.data.ImageDataset;
import dev.panagrad.nn.data.RandomBatchSampler;
import dev.panagrad.nn.data.Transform;
import dev.panagrad.nn.models.ResNet;
import java.util.ArrayList;
import java.util.List;

/** A model's pooled embeddings [n, d] of a set of images, in evaluation mode, with the images' classes. */
public record Embeddings(Tensor vectors, int[] labels) {

    public static Embeddings of(ResNet model, ImageDataset data, Transform transform) {
        boolean wasTraining = model.isTraining();
        model.eval();
        try (var ignored = Grad.disabled();
             DataLoader loader = new DataLoader(data, new RandomBatchSampler(data.size(), 256, false, false, 0),
                     transform, 0, 1, 0)) {
            List<Tensor> parts = new ArrayList<>();
            int[] labels = new int[data.size()];
            int at = 0;
            for (DataLoader.Batch b : loader.epoch(0)) {
                try (TensorScope batch = TensorScope.open()) { // the batch's activations die here
                    parts.add(batch.keep(model.forwardAll(b.images()).embedding()));
                }
                for (int i = 0; i < b.size(); i++) {
                    labels[at++] = b.labels().get(i);
                }
            }
            return new Embeddings(Tensor.concat(parts, 0), labels);
        } finally {
            model.train(wasTraining);
        }
    }
}
