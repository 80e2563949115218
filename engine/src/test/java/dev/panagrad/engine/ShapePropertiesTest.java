package dev.panagrad.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.panagrad.engine.backend.Backend;
import dev.panagrad.engine.backend.scalar.ScalarBackend;
import dev.panagrad.engine.backend.simd.SimdBackend;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Properties of shape ops, broadcasting and reductions on random shapes of rank 0 to 4 with sizes 0
 * to 6 (so empty and size-1 dimensions come up often): the {@code simd} backend against the scalar
 * oracle, and algebraic identities that any correct implementation satisfies.
 */
class ShapePropertiesTest {
    private static final Backend SIMD = new SimdBackend();
    private static final Backend SCALAR = new ScalarBackend();

    @Provide
    Arbitrary<int[]> shapes() {
        return Arbitraries.integers().between(0, 6).array(int[].class).ofMinSize(0).ofMaxSize(4);
    }

    /** Two shapes that broadcast together: each aligned dimension equal, or 1 on one side, or missing. */
    @Provide
    Arbitrary<int[][]> broadcastPairs() {
        return Combinators.combine(shapes(), Arbitraries.integers().between(0, 1 << 20), Arbitraries.integers().between(0, 4))
                .as((target, mask, drop) -> {
                    int[] a = target.clone();
                    int[] b = target.clone();
                    for (int d = 0; d < target.length; d++) {
                        int bits = (mask >>> (2 * d)) & 3;
                        if (bits == 1) {
                            a[d] = 1;
                        } else if (bits == 2) {
                            b[d] = 1;
                        }
                    }
                    int keep = Math.max(0, b.length - drop);
                    return new int[][] {a, Arrays.copyOfRange(b, b.length - keep, b.length)};
                });
    }

    private static Tensor random(int[] shape, long seed) {
        return Tensor.randn(new Rng(seed), shape);
    }

    private static float[] on(Backend backend, Supplier<Tensor> f) {
        try (var ignored = Backends.scoped(backend)) {
            return f.get().toArray();
        }
    }

    @Property(tries = 300)
    void broadcastingBinaryOpsMatchTheOracleBitForBit(@ForAll("broadcastPairs") int[][] pair,
                                                      @ForAll @IntRange(min = 0, max = 5) int which) {
        Tensor a = random(pair[0], 1);
        Tensor b = random(pair[1], 2);
        Supplier<Tensor> f = switch (which) {
            case 0 -> () -> a.add(b);
            case 1 -> () -> a.sub(b);
            case 2 -> () -> a.mul(b);
            case 3 -> () -> a.div(b);
            case 4 -> () -> a.maximum(b);
            default -> () -> a.gt(b);
        };
        float[] want = on(SCALAR, f);
        float[] got = on(SIMD, f);
        assertThat(got).containsExactly(want);
        try (var ignored = Backends.scoped(SCALAR)) {
            assertThat(f.get().shape()).isEqualTo(Shape.broadcast("test", a.shape(), b.shape()));
        }
    }

    @Property(tries = 300)
    void sumsAndMeansOverAnyDimensionsMatchTheOracle(@ForAll("shapes") int[] shape, @ForAll int dimMask,
                                                     @ForAll boolean keepDim) {
        int[] dims = dims(shape.length, dimMask);
        Tensor x = random(shape, 3);
        float[] want = on(SCALAR, () -> x.sum(dims, keepDim));
        float[] got = on(SIMD, () -> x.sum(dims, keepDim));
        assertThat(got.length).isEqualTo(want.length);
        for (int i = 0; i < want.length; i++) {
            assertThat(got[i]).isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-5f * (1 + Math.abs(want[i]))));
        }
        Shape out = x.sum(dims, keepDim).shape();
        assertThat(out.rank()).isEqualTo(keepDim ? shape.length : shape.length - dims.length);
    }

    @Property(tries = 300)
    void maximaOverNonEmptyDimensionsMatchTheOracleExactly(@ForAll("shapes") int[] shape, @ForAll int dimMask) {
        int[] dims = dims(shape.length, dimMask);
        for (int d : dims) {
            if (shape[d] == 0) {
                return; // the maximum of nothing is not defined
            }
        }
        Tensor x = random(shape, 4);
        assertThat(on(SIMD, () -> x.max(dims, false))).containsExactly(on(SCALAR, () -> x.max(dims, false)));
        assertThat(on(SIMD, () -> x.min(dims, true))).containsExactly(on(SCALAR, () -> x.min(dims, true)));
    }

    @Property(tries = 300)
    void summingEverythingAtOnceOrOneDimensionAtATimeAgrees(@ForAll("shapes") int[] shape) {
        Tensor x = random(shape, 5);
        Tensor stepwise = x;
        while (stepwise.rank() > 0) {
            stepwise = stepwise.sum(0);
        }
        assertThat(stepwise.item()).isCloseTo(x.sum().item(), org.assertj.core.data.Offset.offset(1e-4f * (1 + x.numel())));
    }

    @Property(tries = 300)
    void aPermutationFollowedByItsInverseIsTheIdentity(@ForAll("shapes") int[] shape, @ForAll long seed) {
        int[] order = permutation(shape.length, seed);
        int[] inverse = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            inverse[order[i]] = i;
        }
        Tensor x = random(shape, 6);
        Tensor p = x.permute(order);
        for (int i = 0; i < order.length; i++) {
            assertThat(p.size(i)).isEqualTo(shape[order[i]]);
        }
        assertThat(p.permute(inverse).toArray()).containsExactly(x.toArray());
        assertThat(on(SIMD, () -> x.permute(order))).containsExactly(on(SCALAR, () -> x.permute(order)));
    }

    @Property(tries = 300)
    void reshapingToAnyFactorisationAndBackKeepsTheValues(@ForAll("shapes") int[] shape, @ForAll long seed) {
        Tensor x = random(shape, 7);
        int n = x.numel();
        int[] other = factorisation(n, seed);
        assertThat(x.reshape(other).reshape(shape).toArray()).containsExactly(x.toArray());
    }

    @Property(tries = 200)
    void theGradientOfABroadcastSumCountsHowOftenEachElementWasUsed(@ForAll("broadcastPairs") int[][] pair) {
        int[] target = Shape.broadcast("test", Shape.of(pair[0]), Shape.of(pair[1])).dims();
        Tensor x = random(pair[1], 8).requiresGrad(true);
        x.expand(target).sum().backward();
        int uses = Shape.of(target).numel() / Math.max(1, x.numel());
        if (x.numel() > 0 && Shape.of(target).numel() > 0) {
            for (float g : x.grad().toArray()) {
                assertThat(g).isEqualTo((float) uses);
            }
        }
    }

    /** A non-empty subset of the dimensions (an empty list means all of them, as in PyTorch). */
    private static int[] dims(int rank, int mask) {
        List<Integer> out = new ArrayList<>();
        for (int d = 0; d < rank; d++) {
            if ((mask >>> d & 1) != 0 || (mask >>> 8 & 1) != 0) {
                out.add(d);
            }
        }
        if (out.isEmpty()) {
            for (int d = 0; d < rank; d++) {
                out.add(d);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        new Rng(seed).shuffle(p);
        return p;
    }

    /** Some shape with {@code n} elements (any shape when n is 0, which has a zero somewhere). */
    private static int[] factorisation(int n, long seed) {
        Rng rng = new Rng(seed);
        if (n == 0) {
            return new int[] {rng.nextInt(3), 0, 1 + rng.nextInt(3)};
        }
        List<Integer> out = new ArrayList<>();
        int rest = n;
        for (int f = 2; f * f <= rest; f++) {
            while (rest % f == 0) {
                out.add(f);
                rest /= f;
            }
        }
        if (rest > 1) {
            out.add(rest);
        }
        // merge random neighbours, and add a size-1 dimension sometimes
        while (out.size() > 1 && rng.nextInt(2) == 0) {
            int i = rng.nextInt(out.size() - 1);
            out.set(i, out.get(i) * out.remove(i + 1));
        }
        if (rng.nextInt(2) == 0) {
            out.add(rng.nextInt(out.size() + 1), 1);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
