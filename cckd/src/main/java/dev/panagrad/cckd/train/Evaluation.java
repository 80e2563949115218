package dev.panagrad.cckd.train;

import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.TensorScope;
import dev.panagrad.nn.data.DataLoader;
import dev.panagrad.nn.data.ImageDataset;
import dev.panagrad.nn.data.RandomBatchSampler;
import dev.panagrad.nn.data.Transform;
import dev.panagrad.nn.models.ResNet;

/** Top-1 and top-5 accuracy of a model over a dataset, in evaluation mode and without a graph. */
public record Evaluation(double top1, double top5, int images) {

    public static Evaluation of(ResNet model, ImageDataset data, Transform transform, int batchSize) {
        boolean wasTraining = model.isTraining();
        model.eval();
        int correct1 = 0;
        int correct5 = 0;
        try (var ignored = Grad.disabled();
             DataLoader loader = new DataLoader(data, new RandomBatchSampler(data.size(), batchSize, false, false, 0),
                     transform, 0, 1, 0)) {
            for (DataLoader.Batch b : loader.epoch(0)) {
                int[] counts;
                try (TensorScope batch = TensorScope.open()) { // the batch's activations die here
                    counts = topCounts(model.forward(b.images()), b);
                }
                correct1 += counts[0];
                correct5 += counts[1];
            }
        } finally {
            model.train(wasTraining);
        }
        return new Evaluation(correct1 / (double) data.size(), correct5 / (double) data.size(), data.size());
    }

    /** How many rows have their label first, and among their five highest logits. */
    static int[] topCounts(Tensor logits, DataLoader.Batch b) {
        float[] v = logits.toArray();
        int classes = logits.size(1);
        int top1 = 0;
        int top5 = 0;
        for (int i = 0; i < b.size(); i++) {
            float target = v[i * classes + b.labels().get(i)];
            int above = 0;
            for (int c = 0; c < classes; c++) {
                if (v[i * classes + c] > target) {
                    above++;
                }
            }
            top1 += above == 0 ? 1 : 0;
            top5 += above < 5 ? 1 : 0;
        }
        return new int[] {top1, top5};
    }
}
