package dev.panagrad.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CliTest {

    /** Runs the command line; returns the exit code, standard output and standard error. */
    static String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldErr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = PanagradCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8));
            return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setErr(oldErr);
        }
    }

    @Test
    void helpListsTheCommandsAndOptions() {
        String[] r = run("--help");
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[1]).contains("compare", "train-teacher", "distill", "eval", "--dataset", "--preset", "--resume",
                "--teacher-checkpoint", "--sampler", "--backend", "--threads", "--seed", "--train-size", "--epochs", "--out",
                "--data", "--image-size", "--test-fraction", "--skip-bad-images");
    }

    @Test
    void learnRunsTheNamedProgramAndNamesTheKnownOnes() {
        assertThat(run("--help")[1]).contains("learn");
        String[] unknown = run("learn", "gan");
        assertThat(unknown[0]).isEqualTo("1");
        assertThat(unknown[2]).contains("learn: unknown program 'gan'; known: scalar, mlp, custom-op");
        assertThat(run("learn", "custom-op")[0]).isEqualTo("0");
    }

    @Test
    void theModelHelpListsExactlyTheZoo() {
        assertThat(PanagradCli.MODEL_NAMES).isEqualTo("model name: " + String.join(", ", dev.panagrad.nn.models.ResNets.names()));
    }

    @Test
    void distillHelpNamesTheMethods() {
        String[] r = run("distill", "--help");
        assertThat(r[1]).contains("--method", "ce, kd, cckd, at, dml, adv or l2");
    }

    @Test
    void anUnknownOptionIsRejected() {
        String[] r = run("--no-such-option");
        assertThat(r[0]).isNotEqualTo("0");
        assertThat(r[2]).contains("Unknown option: '--no-such-option'");
    }

    @Test
    void aFolderDatasetNeedsItsFolder() {
        String[] r = run("--dataset", "folder", "--threads", "1");
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("--dataset folder needs --data DIR");
    }

    @Test
    void aMalformedImageSizeIsNamed() {
        String[] r = run("--dataset", "folder", "--data", "x", "--image-size", "32by32", "--threads", "1");
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("--image-size: expected H or HxW, such as 32 or 256x128, got '32by32'");
    }

    @Test
    void anUnknownDatasetIsNamed() {
        String[] r = run("--dataset", "imagenet", "--threads", "1");
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("--dataset: unknown 'imagenet'; known: auto, cifar100, cifar10, fashion-mnist, folder, generated");
    }
}
