package dev.panagrad.cckd.train;

import dev.panagrad.engine.Grad;
import dev.panagrad.engine.Tensor;

/**
 * The structure of an embedding space, the paper's point: the mean cosine similarity of embeddings of
 * the same class (intra) and of different classes (inter), over all pairs of a set of images. A good
 * space has high intra and low inter similarity.
 */
public record EmbeddingStructure(double intraClass, double interClass) {

    /** Over a model's embeddings of a set of images ({@link Embeddings#of}). */
    public static EmbeddingStructure of(Embeddings e) {
        return of(e.vectors(), e.labels());
    }

    /** Over embeddings [n, d] with their labels. */
    public static EmbeddingStructure of(Tensor embeddings, int[] labels) {
        try (var ignored = Grad.disabled()) {
            Tensor e = embeddings.normalize(1);
            float[] s = e.matmul(e.t()).toArray();
            int n = labels.length;
            double intra = 0;
            double inter = 0;
            long nIntra = 0;
            long nInter = 0;
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    if (labels[i] == labels[j]) {
                        intra += s[i * n + j];
                        nIntra++;
                    } else {
                        inter += s[i * n + j];
                        nInter++;
                    }
                }
            }
            return new EmbeddingStructure(nIntra == 0 ? Double.NaN : intra / nIntra, nInter == 0 ? Double.NaN : inter / nInter);
        }
    }
}
