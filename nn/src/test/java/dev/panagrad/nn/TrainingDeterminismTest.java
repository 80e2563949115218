package dev.panagrad.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.panagrad.engine.IntTensor;
import dev.panagrad.engine.Rng;
import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.loss.Losses;
import dev.panagrad.nn.models.ResNet;
import dev.panagrad.nn.models.ResNets;
import dev.panagrad.nn.optim.Sgd;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A seeded training run gives the same bits every time: in this JVM, whatever the JIT has compiled so
 * far, and in another JVM that only runs the C1 compiler, where the Vector API takes its Java fallback
 * paths instead of C2's intrinsics (at the same vector width and instruction set).
 */
class TrainingDeterminismTest {

    /** Five SGD steps of a resnet8 on fixed data; returns a hash of all weights and the last loss. */
    static String train() {
        Rng rng = new Rng(0);
        ResNet model = ResNets.create("resnet8", 10, rng);
        Sgd opt = new Sgd(model.parameters(), 0.1, 0.9, 0, 5e-4, false);
        Tensor x = Tensor.randn(rng, 16, 3, 16, 16);
        int[] y = new int[16];
        for (int i = 0; i < 16; i++) {
            y[i] = rng.nextInt(10);
        }
        float loss = 0;
        for (int s = 0; s < 5; s++) {
            opt.zeroGrad();
            Tensor l = Losses.crossEntropy(model.forward(x).logSoftmax(1).exp().add(1e-3f).log(), IntTensor.of(y));
            l.backward();
            opt.step();
            loss = l.item();
        }
        long h = Float.floatToIntBits(loss);
        for (Tensor p : model.parameters()) {
            for (float v : p.toArray()) {
                h = h * 31 + Float.floatToIntBits(v);
            }
        }
        return Long.toHexString(h);
    }

    public static void main(String[] args) {
        System.out.println(train());
    }

    @Test
    void coldAndWarmRunsInOneJvmAgree() {
        String first = train();
        String second = train();
        assertThat(second).isEqualTo(first);
    }

    @Test
    void aJvmWithoutC2GivesTheSameBits() throws Exception {
        String here = train();
        List<String> flags = new ArrayList<>(List.of("-XX:TieredStopAtLevel=1"));
        // The same vector width and instruction set as this JVM: lanes are summed in an order that depends
        // on them, which the promise does not cover.
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-XX:UseAVX") || a.startsWith("-XX:MaxVectorSize") || a.startsWith("-Dpanagrad."))
                .forEach(flags::add);
        assertThat(trainIn(flags.toArray(String[]::new))).isEqualTo(here);
    }

    @Test
    void registerTilesDoNotChangeTheBits() throws Exception {
        // The same 256-bit vectors with the tiles for 16 registers and for 32: every output sums its terms
        // in the same order whatever the tile's shape.
        assertThat(trainIn("-XX:MaxVectorSize=32", "-Dpanagrad.vectorRegisters=16"))
                .isEqualTo(trainIn("-XX:MaxVectorSize=32", "-Dpanagrad.vectorRegisters=32"));
    }

    /** {@link #train} in a new JVM with these flags. */
    private static String trainIn(String... flags) throws Exception {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--add-modules=jdk.incubator.vector"));
        command.addAll(List.of(flags));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), TrainingDeterminismTest.class.getName()));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(out).matches("[0-9a-f]+");
        return out;
    }
}
