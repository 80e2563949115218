package dev.panagrad.nn.data;

import dev.panagrad.engine.IntTensor;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Shape;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.backend.Storage;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Turns a dataset into batches of tensors: images [B, C, H, W] scaled to [0, 1] and transformed,
 * labels [B]. Batches are built by worker threads ahead of time (up to {@code prefetch} of them), so
 * loading overlaps training; they come out in the sampler's order. Each image's random augmentation is
 * drawn from a generator seeded by (seed, epoch, image index), so batches are identical whatever the
 * number of workers.
 */
public final class DataLoader implements AutoCloseable {
    /** One batch: images [B, C, H, W], labels [B], and which dataset images they are. */
    public record Batch(Tensor images, IntTensor labels, int[] indices) {
        public int size() {
            return indices.length;
        }
    }

    private final ImageDataset data;
    private final BatchSampler sampler;
    private final Transform transform;
    private final int prefetch;
    private final long seed;
    private final ExecutorService workers;

    /**
     * @param workers  threads building batches; 0 builds them on the caller's thread, on demand
     * @param prefetch batches built ahead of the one being consumed (at least 1 with workers)
     */
    public DataLoader(ImageDataset data, BatchSampler sampler, Transform transform, int workers, int prefetch, long seed) {
        this.data = data;
        this.sampler = sampler;
        this.transform = transform;
        this.prefetch = Math.max(1, prefetch);
        this.seed = seed;
        if (workers > 0) {
            AtomicInteger n = new AtomicInteger();
            this.workers = Executors.newFixedThreadPool(workers, r -> {
                Thread t = new Thread(r, "panagrad-loader-" + n.getAndIncrement());
                t.setDaemon(true);
                return t;
            });
        } else {
            this.workers = null;
        }
    }

    public ImageDataset dataset() {
        return data;
    }

    /** Number of batches in {@code epoch}. */
    public int batchCount(int epoch) {
        return sampler.batches(epoch).size();
    }

    /** The batches of {@code epoch}, in order. */
    public Iterable<Batch> epoch(int epoch) {
        List<int[]> batches = sampler.batches(epoch);
        return () -> workers == null ? new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < batches.size();
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return build(batches.get(next++), epoch);
            }
        } : new Iterator<>() {
            private final ArrayDeque<Future<Batch>> queue = new ArrayDeque<>();
            private int submitted;
            private int taken;

            {
                fill();
            }

            private void fill() {
                while (submitted < batches.size() && queue.size() < prefetch) {
                    int[] indices = batches.get(submitted++);
                    queue.add(workers.submit(() -> build(indices, epoch)));
                }
            }

            @Override
            public boolean hasNext() {
                return taken < batches.size();
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Future<Batch> f = queue.poll();
                taken++;
                fill();
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("data loader interrupted", e);
                } catch (ExecutionException e) {
                    throw new IllegalStateException("data loader: building a batch failed: " + e.getCause(), e.getCause());
                }
            }
        };
    }

    /** Builds one batch on the calling thread. */
    public Batch build(int[] indices, int epoch) {
        int c = data.channels();
        int h = data.height();
        int w = data.width();
        int size = data.imageSize();
        float[] images = new float[indices.length * size];
        int[] labels = new int[indices.length];
        for (int j = 0; j < indices.length; j++) {
            int i = indices[j];
            data.copyImage(i, images, j * size);
            transform.apply(images, j * size, c, h, w, new Rng(BatchSampler.mix(BatchSampler.mix(seed, epoch), i)));
            labels[j] = data.label(i);
        }
        return new Batch(Tensor.fromStorage(Storage.wrap(images), Shape.of(indices.length, c, h, w)),
                IntTensor.of(labels), indices.clone());
    }

    @Override
    public void close() {
        if (workers != null) {
            workers.shutdownNow();
        }
    }
}
