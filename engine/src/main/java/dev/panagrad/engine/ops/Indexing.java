package dev.panagrad.engine.ops;

import dev.panagrad.engine.Autograd;
import dev.panagrad.engine.IntTensor;
import dev.panagrad.engine.Shape;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.Backends;

/** Selection by integer indices; the backward adds each gradient entry back where it was read from. */
public final class Indexing {
    private Indexing() {
    }

    public static Tensor indexSelect(Tensor x, int dim, int[] index) {
        int a = x.shape().axis("indexSelect", dim);
        int size = x.size(a);
        for (int j = 0; j < index.length; j++) {
            if (index[j] < 0 || index[j] >= size) {
                throw new IndexOutOfBoundsException("indexSelect: index " + index[j] + " at position " + j
                        + " out of range for dimension " + a + " of size " + size + " in shape " + x.shape());
            }
        }
        int outer = x.shape().product(0, a);
        int inner = x.shape().product(a + 1, x.rank());
        int[] idx = index.clone();
        int[] outDims = x.dims();
        outDims[a] = idx.length;
        Tensor out = Tensor.zeros(outDims);
        Backends.current().indexSelect(x.storage(), outer, size, inner, idx, out.storage());
        return Autograd.op("indexSelect", x).result(out, (g, needs) -> {
            Tensor gx = Tensor.zeros(x.shape());
            Backends.current().indexAdd(g.storage(), outer, size, inner, idx, gx.storage());
            return new Tensor[] {gx};
        });
    }

    public static Tensor gather(Tensor x, int dim, IntTensor index) {
        int a = x.shape().axis("gather", dim);
        Shape is = index.shape();
        if (is.rank() != x.rank()) {
            throw new IllegalArgumentException("gather: index of shape " + is + " for input of shape " + x.shape()
                    + ": ranks differ");
        }
        for (int d = 0; d < is.rank(); d++) {
            if (d != a && is.dim(d) > x.size(d)) {
                throw new IllegalArgumentException("gather: index of shape " + is + " is larger than input "
                        + x.shape() + " in dimension " + d);
            }
        }
        int[] idx = index.toArray();
        for (int e = 0; e < idx.length; e++) {
            if (idx[e] < 0 || idx[e] >= x.size(a)) {
                throw new IndexOutOfBoundsException("gather: index value " + idx[e] + " at flat position " + e
                        + " out of range for dimension " + a + " of size " + x.size(a) + " in shape " + x.shape());
            }
        }
        int[] xStrides = x.shape().strides();
        Tensor out = Tensor.zeros(is);
        Backends.current().gather(is.dims(), a, idx, x.storage(), xStrides, out.storage());
        return Autograd.op("gather", x).result(out, (g, needs) -> {
            Tensor gx = Tensor.zeros(x.shape());
            Backends.current().scatterAdd(is.dims(), a, idx, g.storage(), gx.storage(), xStrides);
            return new Tensor[] {gx};
        });
    }
}
