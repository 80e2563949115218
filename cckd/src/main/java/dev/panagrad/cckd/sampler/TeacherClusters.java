package dev.panagrad.cckd.sampler;

import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.data.DataLoader;
import dev.panagrad.nn.data.ImageDataset;
import dev.panagrad.nn.data.RandomBatchSampler;
import dev.panagrad.nn.data.Transform;
import dev.panagrad.nn.models.ResNet;
import java.util.ArrayList;
import java.util.List;

/**
 * The superclasses of SUR: k-means (k-means++, seeded) on the teacher's L2-normalised embeddings of
 * the training images, computed once before the student trains. The paper does not give the cluster
 * count; the default in the examples is one cluster per five classes.
 */
public final class TeacherClusters {
    private TeacherClusters() {
    }

    /** The cluster of each training image, in dataset order. */
    public static int[] of(ResNet teacher, ImageDataset train, Transform transform, int clusters, long seed) {
        boolean wasTraining = teacher.isTraining();
        teacher.eval();
        List<Tensor> parts = new ArrayList<>();
        try (var ignored = Grad.disabled();
             DataLoader loader = new DataLoader(train, new RandomBatchSampler(train.size(), 256, false, false, 0), transform,
                     0, 1, 0)) {
            for (DataLoader.Batch b : loader.epoch(0)) {
                parts.add(teacher.forwardAll(b.images()).embedding());
            }
        } finally {
            teacher.train(wasTraining);
        }
        return KMeans.fit(Tensor.concat(parts, 0), clusters, 100, seed).assignments();
    }
}
