package dev.panagrad.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Our side of a paired measurement with PyTorch: a ResNet training step ({@link TrainingStep}) run in
 * windows on request, so that the peer, bench/peer/torch_paired_steps.py, can take turns with it window by
 * window. Both processes stay warm and wait while the other runs, so a drift of the machine's speed
 * reaches both sides of a pair alike.
 *
 * <pre>
 * java --add-modules=jdk.incubator.vector -cp bench/target/benchmarks.jar dev.panagrad.bench.StepServer 56 64
 * </pre>
 *
 * One line each way. The server prints {@code ready} once the model is built; {@code window SECONDS} runs
 * whole steps for at least that long and answers {@code steps=N nanos=T}; {@code roundtrip} answers
 * {@code roundtrip_nanos=X}, the cores' round trip ({@link CoreToCoreLatency}) at that moment; {@code quit}
 * or the end of the input ends it. Any other line is answered with {@code error: ...} naming what was expected.
 */
public final class StepServer {
    private StepServer() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: StepServer depth batch");
            System.exit(2);
        }
        TrainingStep training = new TrainingStep(Integer.parseInt(args[0]), Integer.parseInt(args[1]));
        serve(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), System.out, training::run);
    }

    /** Answers {@code in}'s requests on {@code out}, running {@code step} for each window. */
    static void serve(BufferedReader in, PrintStream out, Runnable step) throws IOException {
        out.println("ready");
        out.flush();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String request = line.strip();
            if (request.equals("quit")) {
                return;
            }
            out.println(answer(request, step));
            out.flush();
        }
    }

    private static String answer(String request, Runnable step) {
        if (request.equals("roundtrip")) {
            return String.format(java.util.Locale.ROOT, "roundtrip_nanos=%.1f",
                    CoreToCoreLatency.roundTripNanos(CoreToCoreLatency.SAMPLE_MILLIS));
        }
        String[] words = request.split("\\s+");
        double seconds;
        try {
            seconds = words.length == 2 && words[0].equals("window") ? Double.parseDouble(words[1]) : Double.NaN;
        } catch (NumberFormatException e) {
            seconds = Double.NaN;
        }
        if (!(seconds > 0 && seconds <= 3600)) {
            return "error: StepServer expects 'window SECONDS' (0 < SECONDS <= 3600), 'roundtrip' or 'quit', got '"
                    + request + "'";
        }
        long[] window = window(step, (long) (seconds * 1e9));
        return "steps=" + window[0] + " nanos=" + window[1];
    }

    /** Runs {@code step} back to back until at least {@code nanos} have passed: {steps, elapsed nanos}. */
    static long[] window(Runnable step, long nanos) {
        long start = System.nanoTime();
        long steps = 0;
        long elapsed;
        do {
            step.run();
            steps++;
            elapsed = System.nanoTime() - start;
        } while (elapsed < nanos);
        return new long[] {steps, elapsed};
    }
}
