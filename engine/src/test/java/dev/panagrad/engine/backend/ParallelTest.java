package dev.panagrad.engine.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ParallelTest {
    private final int original = Parallel.threads();

    @AfterEach
    void restore() {
        Parallel.setThreads(original);
    }

    @Test
    void everyTaskRunsExactlyOnce() {
        Parallel.setThreads(3);
        AtomicIntegerArray runs = new AtomicIntegerArray(1000);
        Parallel.forEach(1000, (from, to) -> {
            for (int i = from; i < to; i++) {
                runs.incrementAndGet(i);
            }
        });
        for (int i = 0; i < 1000; i++) {
            assertThat(runs.get(i)).isEqualTo(1);
        }
    }

    @Test
    void rangesCoverTheInterval() {
        Parallel.setThreads(2);
        AtomicIntegerArray seen = new AtomicIntegerArray(12_345);
        Parallel.forRange(12_345, 100, (from, to) -> {
            for (int i = from; i < to; i++) {
                seen.incrementAndGet(i);
            }
        });
        for (int i = 0; i < seen.length(); i++) {
            assertThat(seen.get(i)).isEqualTo(1);
        }
    }

    @Test
    void exceptionsInTasksReachTheCaller() {
        Parallel.setThreads(2);
        assertThatThrownBy(() -> Parallel.forEach(8, (from, to) -> {
            throw new IllegalStateException("task failed");
        })).hasMessageContaining("task failed");
    }

    @Test
    void theCallingThreadRunsTasksBesideTheHelper() throws Exception {
        Parallel.setThreads(2); // the caller and one helper
        java.util.concurrent.CountDownLatch bothStarted = new java.util.concurrent.CountDownLatch(2);
        java.util.Set<Thread> ran = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Parallel.forEach(2, (from, to) -> {
            ran.add(Thread.currentThread());
            bothStarted.countDown();
            try {
                // each task waits for the other: they can only finish if two threads run them at once
                assertThat(bothStarted.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(ran).hasSize(2).contains(Thread.currentThread());
    }

    @Test
    void eachThreadStartsAtTheFrontOfItsOwnShare() throws Exception {
        Parallel.setThreads(2); // shares: the caller's tasks 0-9, the helper's 10-19
        java.util.concurrent.CountDownLatch callerStarted = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch helperStarted = new java.util.concurrent.CountDownLatch(1);
        java.util.Map<Thread, Integer> firstTask = new java.util.concurrent.ConcurrentHashMap<>();
        Thread caller = Thread.currentThread();
        Parallel.forEach(20, (from, to) -> {
            firstTask.putIfAbsent(Thread.currentThread(), from);
            boolean isCaller = Thread.currentThread() == caller;
            (isCaller ? callerStarted : helperStarted).countDown();
            try {
                // each thread waits until the other has begun, so neither can finish its share and take the
                // other's first task before that thread gets to it
                assertThat((isCaller ? helperStarted : callerStarted).await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(firstTask).hasSize(2).containsEntry(caller, 0);
        assertThat(firstTask.entrySet()).anySatisfy(e -> {
            assertThat(e.getKey()).isNotSameAs(caller);
            assertThat(e.getValue()).isEqualTo(10);
        });
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 60, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void aThreadDoneWithItsShareTakesTheTasksLeftInAnother() throws Exception {
        Parallel.setThreads(2); // shares: the caller's tasks 0 and 1, the helper's 2 and 3
        java.util.concurrent.CountDownLatch taskOneRan = new java.util.concurrent.CountDownLatch(1);
        java.util.Map<Integer, Thread> ranOn = new java.util.concurrent.ConcurrentHashMap<>();
        Parallel.forEach(4, (from, to) -> {
            ranOn.put(from, Thread.currentThread());
            try {
                if (from == 0) {
                    // the thread in task 0 waits for task 1, of the same share: only another thread can run it
                    assertThat(taskOneRan.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                } else if (from == 1) {
                    taskOneRan.countDown();
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(ranOn).containsOnlyKeys(0, 1, 2, 3);
        assertThat(ranOn.get(1)).isNotSameAs(ranOn.get(0));
    }

    @Test
    void aLoopInsideATaskRunsOnThatTasksThread() {
        Parallel.setThreads(3);
        AtomicIntegerArray runs = new AtomicIntegerArray(40 * 30);
        Parallel.forEach(40, (from, to) -> {
            Thread outer = Thread.currentThread();
            Parallel.forEach(30, (f, t) -> {
                assertThat(Thread.currentThread()).isSameAs(outer);
                for (int i = f; i < t; i++) {
                    runs.incrementAndGet(from * 30 + i);
                }
            });
        });
        for (int i = 0; i < runs.length(); i++) {
            assertThat(runs.get(i)).isEqualTo(1);
        }
    }

    @Test
    void loopsStartedByTwoThreadsAtOnceEachRunEveryTaskOnce() throws Exception {
        Parallel.setThreads(2);
        AtomicIntegerArray a = new AtomicIntegerArray(5000);
        AtomicIntegerArray b = new AtomicIntegerArray(5000);
        Thread other = new Thread(() -> {
            for (int rep = 0; rep < 50; rep++) {
                int r = rep;
                Parallel.forEach(100, (from, to) -> {
                    for (int i = from; i < to; i++) {
                        a.incrementAndGet(r * 100 + i);
                    }
                });
            }
        });
        other.start();
        for (int rep = 0; rep < 50; rep++) {
            int r = rep;
            Parallel.forEach(100, (from, to) -> {
                for (int i = from; i < to; i++) {
                    b.incrementAndGet(r * 100 + i);
                }
            });
        }
        other.join();
        for (int i = 0; i < 5000; i++) {
            assertThat(a.get(i)).isEqualTo(1);
            assertThat(b.get(i)).isEqualTo(1);
        }
    }

    @Test
    void threadCountMustBePositive() {
        assertThatThrownBy(() -> Parallel.setThreads(0)).hasMessage("threads: need at least 1, got 0");
    }

    @Test
    void resultsAreBitwiseIdenticalForOneAndTwoThreads() {
        float[] one = trainingStep(1);
        float[] two = trainingStep(2);
        float[] twoAgain = trainingStep(2);
        assertThat(two).containsExactly(twoAgain);
        assertThat(one).containsExactly(two);
    }

    /** A matmul, reductions and element-wise ops large enough to run in parallel; returns the gradients. */
    private static float[] trainingStep(int threads) {
        Parallel.setThreads(threads);
        Rng rng = new Rng(5);
        Tensor x = Tensor.randn(rng, 256, 300);
        Tensor w = Tensor.randn(rng, 300, 200).mul(0.05f).requiresGrad(true);
        Tensor h = x.matmul(w).tanh();
        Tensor loss = h.logSoftmax(1).mean().add(h.pow(2f).sum().mul(1e-3f)).add(x.sum().mul(1e-6f));
        loss.backward();
        float[] g = w.grad().toArray();
        float[] out = java.util.Arrays.copyOf(g, g.length + 1);
        out[g.length] = loss.item();
        return out;
    }
}
