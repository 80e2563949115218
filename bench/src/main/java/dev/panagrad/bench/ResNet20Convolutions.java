package dev.panagrad.bench;

import dev.panagrad.engine.backend.ConvGeometry;

/**
 * The distinct convolution shapes of a CIFAR ResNet-20, by name: {@code c<in>-<out>-<size>s<stride>} for
 * 3 x 3 convolutions with padding 1, {@code p...} for the 1 x 1 projection shortcuts. bench/peer/torch_layers.py
 * knows the same names.
 */
final class ResNet20Convolutions {
    static final String ALL = "c3-16-32s1,c16-16-32s1,c16-32-32s2,p16-32-32s2,c32-32-16s1,c32-64-16s2,p32-64-16s2,c64-64-8s1";

    private ResNet20Convolutions() {
    }

    /** The geometry of the named shape at the given batch size. */
    static ConvGeometry geometry(String name, int batch) {
        boolean pointwise = name.charAt(0) == 'p';
        String[] parts = name.substring(1).split("[-s]");
        int in = Integer.parseInt(parts[0]);
        int out = Integer.parseInt(parts[1]);
        int size = Integer.parseInt(parts[2]);
        int stride = Integer.parseInt(parts[3]);
        int k = pointwise ? 1 : 3;
        int pad = pointwise ? 0 : 1;
        return new ConvGeometry(batch, in, size, size, out, k, k, stride, stride, pad, pad, 1, 1, 1);
    }

    /** Multiply-adds times two for one pass (forward, input gradient and weight gradient cost the same). */
    static double flops(ConvGeometry g) {
        return 2.0 * g.batch() * g.outChannels() * g.outH() * g.outW() * g.patchSize();
    }
}
