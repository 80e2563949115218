package dev.panagrad.examples;

import dev.panagrad.cckd.train.DistillationLoop;
import dev.panagrad.cckd.train.EpochMetrics;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * The line that shows an epoch's progress, redrawn in place: the stage, the epoch, a bar, batches done,
 * the time left, the running loss terms and accuracy, and throughput. At the epoch's end it is replaced
 * by a summary line.
 */
final class ProgressBar implements DistillationLoop.Listener {
    private final PrintStream out;
    private final String label;
    private final int epochs;
    private final long start = System.nanoTime();
    private long lastDraw;

    ProgressBar(PrintStream out, String label, int epochs) {
        this.out = out;
        this.label = label;
        this.epochs = epochs;
    }

    @Override
    public void onBatch(int epoch, int batch, int batches, Map<String, Double> running, double imagesPerSecond) {
        long now = System.nanoTime();
        if (batch < batches && now - lastDraw < 250_000_000L) {
            return;
        }
        lastDraw = now;
        double elapsed = (now - start) / 1e9;
        long eta = Math.round(elapsed / batch * (batches - batch));
        int width = 20;
        int filled = width * batch / batches;
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "\r%s epoch %d/%d [%s%s] %d/%d ETA %d:%02d |",
                label, epoch + 1, epochs, "#".repeat(filled), ".".repeat(width - filled), batch, batches, eta / 60, eta % 60));
        running.forEach((k, v) -> {
            if (!k.equals("total")) {
                sb.append(String.format(Locale.ROOT, " %s %.3f", k, v));
            }
        });
        sb.append(String.format(Locale.ROOT, " | %.0f img/s ", imagesPerSecond));
        out.print(sb);
        out.flush();
    }

    /** Ends the epoch's line with its results. */
    void finish(EpochMetrics m) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "\r%s epoch %d/%d done in %.0fs: lr %.4f,", label,
                m.epoch() + 1, epochs, m.seconds(), m.lr()));
        m.losses().forEach((k, v) -> sb.append(String.format(Locale.ROOT, " %s %.3f", k, v)));
        sb.append(String.format(Locale.ROOT, ", train %.1f%%, test top-1 %.1f%% top-5 %.1f%%, %.0f img/s", 100 * m.trainTop1(),
                100 * m.testTop1(), 100 * m.testTop5(), m.imagesPerSecond()));
        out.println(sb + "          ");
    }
}
