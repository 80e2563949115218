package dev.panagrad.bench;

import dev.panagrad.cckd.loss.CorrelationCongruence;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The correlation-congruence loss (Gaussian-Taylor, P = 2, gamma = 0.4) on n embeddings of width d,
 * forward and backward, as bench/peer/torch_cc_loss.py computes it in PyTorch.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseG1GC"})
public class CcLossBench {
    @Param({"64", "256", "1024"})
    public int n;

    @Param({"64", "256"})
    public int d;

    private Tensor student;
    private Tensor teacher;

    @Setup(Level.Trial)
    public void setUp() {
        Rng rng = new Rng(0);
        student = Tensor.randn(rng, n, d).requiresGrad(true);
        teacher = Tensor.randn(rng, n, d);
    }

    @Benchmark
    public Tensor forwardBackward() {
        student.zeroGrad();
        CorrelationCongruence.loss(student, teacher).backward();
        return student.grad();
    }
}
