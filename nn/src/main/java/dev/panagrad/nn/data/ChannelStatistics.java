package dev.panagrad.nn.data;

/**
 * Per-channel mean and standard deviation of a dataset's pixels on the [0, 1] scale, over every pixel
 * of every image: what {@link Transform#normalize} needs for data that has no published values.
 */
public record ChannelStatistics(float[] mean, float[] std) {

    public static ChannelStatistics of(ImageDataset d) {
        int c = d.channels();
        int plane = d.height() * d.width();
        double[] sum = new double[c];
        double[] sumSq = new double[c];
        for (int i = 0; i < d.size(); i++) {
            for (int ch = 0; ch < c; ch++) {
                long s = 0;
                long s2 = 0;
                for (int p = ch * plane; p < (ch + 1) * plane; p++) {
                    int v = d.pixel(i, p);
                    s += v;
                    s2 += (long) v * v;
                }
                sum[ch] += s;
                sumSq[ch] += s2;
            }
        }
        double count = (double) d.size() * plane;
        float[] mean = new float[c];
        float[] std = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double m = sum[ch] / count;
            double var = Math.max(0, sumSq[ch] / count - m * m);
            mean[ch] = (float) (m / 255);
            // A constant channel would divide by zero when normalised: keep a floor of one grey level.
            std[ch] = (float) Math.max(Math.sqrt(var) / 255, 1.0 / 255);
        }
        return new ChannelStatistics(mean, std);
    }

    /** The normalisation these statistics call for. */
    public Transform normalize() {
        return Transform.normalize(mean, std);
    }
}
