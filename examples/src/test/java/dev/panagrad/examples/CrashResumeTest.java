package dev.panagrad.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.panagrad.nn.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety: a training process killed with SIGKILL at random moments (mid-epoch, possibly while a
 * checkpoint is being written) leaves a checkpoint that always reads back whole, and {@code --resume}
 * finishes with exactly the weights and metrics of a run that was never interrupted.
 */
class CrashResumeTest {
    @TempDir
    Path dir;

    private static List<String> command(Path out, boolean resume) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--add-modules=jdk.incubator.vector", "-Djava.awt.headless=true",
                "-cp", System.getProperty("java.class.path"), PanagradCli.class.getName(),
                "train-teacher", "--dataset", "generated", "--train-size", "192", "--test-size", "64",
                "--teacher", "resnet8", "--epochs", "8", "--threads", "1", "--workers", "0", "--seed", "5",
                "--out", out.toString()));
        if (resume) {
            cmd.add("--resume");
        }
        return cmd;
    }

    private static Process start(Path out, boolean resume) throws IOException {
        return new ProcessBuilder(command(out, resume)).redirectErrorStream(true)
                .redirectOutput(out.resolveSibling(out.getFileName() + ".log").toFile()).start();
    }

    @Test
    void aRunKilledAtRandomMomentsResumesToTheSameResult() throws Exception {
        Path whole = dir.resolve("whole");
        Files.createDirectories(whole);
        Process reference = start(whole, false);
        assertThat(reference.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(reference.exitValue()).as(Files.readString(dir.resolve("whole.log"))).isZero();

        Path broken = dir.resolve("broken");
        Files.createDirectories(broken);
        Path checkpoint = broken.resolve("teacher/checkpoint.safetensors");
        Random random = new Random(42);
        int kills = 0;
        for (int attempt = 0; attempt < 4; attempt++) {
            java.nio.file.attribute.FileTime before = Files.exists(checkpoint) ? Files.getLastModifiedTime(checkpoint) : null;
            Process p = start(broken, attempt > 0);
            // Wait until this run writes a checkpoint (or ends), then kill at a random moment after it.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (p.isAlive() && System.nanoTime() < deadline
                    && (!Files.exists(checkpoint) || Files.getLastModifiedTime(checkpoint).equals(before))) {
                Thread.sleep(5);
            }
            Thread.sleep(random.nextInt(700));
            if (p.isAlive()) {
                p.destroyForcibly(); // SIGKILL: no shutdown hooks, no finally blocks
                kills++;
            }
            p.waitFor(60, TimeUnit.SECONDS);
            if (Files.exists(checkpoint)) {
                // Never torn: the file is either the previous complete checkpoint or the new one.
                String done = SafeTensors.read(checkpoint).metadata().get("epochs_done");
                assertThat(done).isNotNull();
                System.out.println("crash-resume: run " + attempt + (p.exitValue() == 0 ? " finished" : " killed")
                        + " with the checkpoint at epoch " + done);
            }
        }
        assertThat(kills).as("at least one kill landed before the run finished").isPositive();

        Process last = start(broken, true);
        assertThat(last.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(last.exitValue()).as(Files.readString(dir.resolve("broken.log"))).isZero();

        Map<String, float[]> want = tensors(whole.resolve("teacher/model.safetensors"));
        Map<String, float[]> got = tensors(broken.resolve("teacher/model.safetensors"));
        assertThat(got.keySet()).isEqualTo(want.keySet());
        want.forEach((name, values) -> assertThat(got.get(name)).as(name).containsExactly(values));
        assertThat(Files.readAllLines(broken.resolve("teacher/metrics.csv")))
                .isEqualTo(withoutTimes(Files.readAllLines(whole.resolve("teacher/metrics.csv")), broken));
        try (Stream<Path> files = Files.walk(broken)) {
            assertThat(files.map(Path::getFileName).map(Path::toString).filter(n -> n.endsWith(".tmp")))
                    .as("no temporary files left behind").isEmpty();
        }
    }

    private static Map<String, float[]> tensors(Path file) throws IOException {
        Map<String, float[]> out = new java.util.TreeMap<>();
        var tensors = SafeTensors.read(file).tensors();
        for (String name : tensors.keys()) {
            out.put(name, tensors.get(name).toArray());
        }
        return out;
    }

    /** The reference metrics with the columns that measure time taken from the resumed run instead. */
    private static List<String> withoutTimes(List<String> reference, Path broken) throws IOException {
        List<String> resumed = Files.readAllLines(broken.resolve("teacher/metrics.csv"));
        String[] header = reference.get(0).split(",", -1);
        List<String> out = new ArrayList<>();
        for (int row = 0; row < reference.size(); row++) {
            String[] a = reference.get(row).split(",", -1);
            String[] b = row < resumed.size() ? resumed.get(row).split(",", -1) : a;
            for (int c = 0; c < header.length && c < a.length && c < b.length; c++) {
                if (header[c].contains("seconds") || header[c].contains("images_per_s") || header[c].contains("time")) {
                    a[c] = b[c];
                }
            }
            out.add(String.join(",", a));
        }
        return out;
    }
}
