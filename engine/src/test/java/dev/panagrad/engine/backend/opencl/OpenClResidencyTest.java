package dev.panagrad.engine.backend.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.Backends;
import dev.panagrad.engine.backend.ConvGeometry;
import dev.panagrad.engine.backend.HostArrayPool;
import dev.panagrad.engine.backend.Storage;
import dev.panagrad.engine.backend.UnaryOp;
import dev.panagrad.engine.backend.scalar.ScalarBackend;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Where tensors live under the OpenCL backend, and when values cross between host and device. */
@Tag("opencl")
class OpenClResidencyTest {
    private OpenClBackend be;

    @BeforeEach
    void device() {
        be = OpenClTestSupport.backend();
    }

    @Test
    void aChainOfOpsUploadsItsInputsOnceAndDownloadsOnlyWhatTheHostReads() {
        Rng rng = new Rng(5);
        Tensor x = Tensor.randn(rng, 64, 100);
        Tensor w = Tensor.randn(rng, 100, 10);
        OpenClBackend.Counters before = be.counters();
        float loss;
        try (var ignored = Backends.scoped(be)) {
            Tensor h = x.matmul(w).relu().mul(0.5f).add(1f);
            Tensor p = h.softmax(1).log().neg();
            loss = p.mean().item();
        }
        OpenClBackend.Counters used = be.counters().since(before);

        assertThat(used.uploads()).as("x and w").isEqualTo(2);
        assertThat(used.uploadedFloats()).isEqualTo(64 * 100 + 100 * 10);
        assertThat(used.downloads()).as("only the loss").isEqualTo(1);
        assertThat(used.downloadedFloats()).isEqualTo(1);
        assertThat(used.launches()).as("the ops ran on the device").isGreaterThan(6);
        float expected;
        try (var ignored = Backends.scoped(new ScalarBackend())) {
            expected = x.matmul(w).relu().mul(0.5f).add(1f).softmax(1).log().neg().mean().item();
        }
        assertThat(loss).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-5f));
    }

    @Test
    void readingOnTheHostKeepsTheDeviceCopyAndWritingMakesItStale() {
        Storage s = Storage.wrap(new float[] {1, 2, 3, 4});
        Storage out = new Storage(4);
        be.unary(UnaryOp.NEG, 0, 0, s, out, 4);
        assertThat(out.read()).containsExactly(-1, -2, -3, -4);
        OpenClBackend.Counters before = be.counters();

        be.unary(UnaryOp.NEG, 0, 0, s, out, 4);
        assertThat(be.counters().since(before).uploads()).as("s is still current on the device").isZero();

        s.array()[2] = 30f; // a host write
        be.unary(UnaryOp.NEG, 0, 0, s, out, 4);
        assertThat(be.counters().since(before).uploads()).as("the written storage goes up again").isEqualTo(1);
        assertThat(out.read()).containsExactly(-1, -2, -30, -4);
    }

    @Test
    void aStorageOverALongerPooledArrayMovesOnlyItsOwnFloats() {
        int n = 2 * HostArrayPool.MIN_SIZE + 13;
        float[] in = new float[n + 100];
        float[] result = new float[n + 50];
        Arrays.fill(in, Float.NaN);
        Arrays.fill(result, 7f);
        HostArrayPool.clear(); // only these two arrays to choose from
        HostArrayPool.give(result);
        Storage out = Storage.pooled(n, false);
        HostArrayPool.give(in);
        Storage s = Storage.pooled(n, false);
        assertThat(s.read()).as("the longer array").hasSize(n + 100);
        assertThat(out.read()).as("the longer array").hasSize(n + 50);
        for (int i = 0; i < n; i++) {
            s.array()[i] = i;
        }
        OpenClBackend.Counters before = be.counters();

        be.unary(UnaryOp.NEG, 0, 0, s, out, n);
        float[] values = out.read();

        OpenClBackend.Counters used = be.counters().since(before);
        assertThat(used.uploadedFloats()).isEqualTo(n);
        assertThat(used.downloadedFloats()).isEqualTo(n);
        for (int i = 0; i < n; i++) {
            assertThat(values[i]).as("element %d", i).isEqualTo(-i == 0 ? -0f : (float) -i);
        }
    }

    @Test
    void anOpThatWritesPartOfAStorageKeepsTheRest() {
        Storage s = Storage.wrap(new float[] {1, 2, 3, 4, 5, 6});
        be.fill(s, 2, 3, 9f);
        assertThat(s.read()).containsExactly(1, 2, 9, 9, 9, 6);
    }

    @Test
    void overlappingCopiesWithinOneStorageMatchTheOracle() {
        float[] values = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        Storage device = Storage.wrap(values.clone());
        Storage host = Storage.wrap(values.clone());
        be.copy(device, 0, device, 3, 6);
        new ScalarBackend().copy(host, 0, host, 3, 6);
        // The scalar loop copies forwards and so repeats values; a copy through a buffer does not.
        assertThat(device.read()).containsExactly(0, 1, 2, 0, 1, 2, 3, 4, 5, 9);
        assertThat(host.read()).containsExactly(0, 1, 2, 0, 1, 2, 0, 1, 2, 9);
    }

    @Test
    void aReleasedStorageGivesItsRegionBackAtOnceWithoutACollection() {
        int n = 1 << 20; // far more than the garbage of other tests that the collector may return meanwhile
        Storage s = Storage.wrap(new float[n]);
        Storage out = new Storage(n);
        be.unary(UnaryOp.NEG, 0, 0, s, out, n); // both get regions
        long used = be.arenaUse()[0];
        long collections = be.counters().collections();

        out.release();
        long afterOne = be.arenaUse()[0];
        s.release();

        assertThat(afterOne).isLessThanOrEqualTo(used - n);
        assertThat(be.arenaUse()[0]).isLessThanOrEqualTo(used - 2L * n);
        assertThat(be.counters().collections()).isEqualTo(collections);
    }

    @Test
    void convolutionsSplitIntoImageChunksGiveTheSameResult() {
        ConvGeometry g = new ConvGeometry(5, 3, 9, 8, 4, 3, 3, 1, 2, 1, 1, 1, 1, 1);
        Rng rng = new Rng(9);
        float[] x = Tensor.randn(rng, 5 * 3 * 9 * 8).toArray();
        float[] w = Tensor.randn(rng, 4 * 27).toArray();
        float[] gy = Tensor.randn(rng, 5 * 4 * g.outH() * g.outW()).toArray();
        long saved = OpenClBackend.columnBudget;
        OpenClBackend.ConvolutionAlgorithm algorithm = OpenClBackend.convolutionAlgorithm();
        OpenClBackend.useConvolutionAlgorithm(OpenClBackend.ConvolutionAlgorithm.COLUMNS); // the only one with chunks
        try {
            float[][] whole = convolve(g, x, w, gy);
            OpenClBackend.columnBudget = 27L * g.outH() * g.outW() * 2; // two images per chunk, the last alone
            float[][] chunked = convolve(g, x, w, gy);
            for (int i = 0; i < whole.length; i++) {
                // Weight gradients add the chunks' partial sums, so they agree to rounding.
                assertThat(chunked[i]).containsExactly(whole[i], org.assertj.core.data.Offset.offset(1e-4f));
            }
        } finally {
            OpenClBackend.columnBudget = saved;
            OpenClBackend.useConvolutionAlgorithm(algorithm);
        }
    }

    private float[][] convolve(ConvGeometry g, float[] x, float[] w, float[] gy) {
        Storage out = new Storage(gy.length);
        Storage gx = new Storage(x.length);
        Storage gw = new Storage(w.length);
        Storage gb = new Storage(g.outChannels());
        be.conv2d(g, Storage.wrap(x), Storage.wrap(w), null, out);
        be.conv2dBackwardInput(g, Storage.wrap(gy), Storage.wrap(w), gx);
        be.conv2dBackwardWeight(g, Storage.wrap(x), Storage.wrap(gy), gw, gb);
        return new float[][] {out.read(), gx.read(), gw.read(), gb.read()};
    }

    @Test
    void collectedTensorsGiveTheirDeviceMemoryBack() throws InterruptedException {
        long before = be.arenaUse()[0];
        for (int i = 0; i < 20; i++) {
            Storage s = new Storage(1 << 20);
            be.fill(s, 0, s.size(), i);
        }
        long after = before;
        for (int attempt = 0; attempt < 50 && after > before; attempt++) {
            System.gc();
            Thread.sleep(20);
            after = be.arenaUse()[0];
        }
        assertThat(after).isLessThanOrEqualTo(before);
    }

    @Test
    void theBackendNamesItsDevice() {
        assertThat(be.name()).isEqualTo("opencl");
        assertThat(be.describe()).contains(be.device().getName().trim()).contains("arena");
    }

    @Test
    void anUnknownDeviceChoiceListsTheDevicesThatExist() {
        assertThatThrownBy(() -> OpenClDevices.choose("no-such-device-xyz"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no-such-device-xyz")
                .hasMessageContaining(be.device().getName().trim());
    }

    @Test
    void outOfRangeIndicesAreRejectedBeforeTheyReachTheDevice() {
        Storage x = Storage.wrap(new float[6]);
        assertThatThrownBy(() -> be.indexSelect(x, 1, 3, 2, new int[] {0, 3}, new Storage(4)))
                .isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessageContaining("indexSelect").hasMessageContaining("index 3").hasMessageContaining("size 3");
    }
}
