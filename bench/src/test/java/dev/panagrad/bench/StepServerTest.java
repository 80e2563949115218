package dev.panagrad.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The protocol of our side of the paired ResNet measurement. */
class StepServerTest {

    private static String[] serve(String input, Runnable step) throws IOException {
        var bytes = new ByteArrayOutputStream();
        StepServer.serve(new BufferedReader(new StringReader(input)), new PrintStream(bytes, true, StandardCharsets.UTF_8),
                step);
        return bytes.toString(StandardCharsets.UTF_8).split("\n");
    }

    @Test
    void aWindowRunsWholeStepsUntilItsTimeIsUp() throws IOException {
        AtomicInteger calls = new AtomicInteger();
        // each step sleeps 20 ms: a 0.05 s window takes three steps, the last one ending past 50 ms
        String[] lines = serve("window 0.05\nquit\n", () -> {
            calls.incrementAndGet();
            sleep(20);
        });
        assertThat(lines).hasSize(2);
        assertThat(lines[0]).isEqualTo("ready");
        assertThat(lines[1]).matches("steps=\\d+ nanos=\\d+");
        long steps = Long.parseLong(lines[1].replaceAll("steps=(\\d+) .*", "$1"));
        long nanos = Long.parseLong(lines[1].replaceAll(".*nanos=(\\d+)", "$1"));
        assertThat(steps).isEqualTo(calls.get()).isBetween(1L, 3L);
        assertThat(nanos).isGreaterThanOrEqualTo(50_000_000L);
    }

    @Test
    void aShortWindowStillRunsOneStep() {
        AtomicInteger calls = new AtomicInteger();
        long[] window = StepServer.window(calls::incrementAndGet, 0);
        assertThat(window[0]).isEqualTo(1);
        assertThat(calls.get()).isEqualTo(1);
    }

    @Test
    void aRequestItDoesNotKnowIsAnsweredWithWhatItExpects() throws IOException {
        AtomicInteger calls = new AtomicInteger();
        String[] lines = serve("windows 1\nwindow -1\nwindow x\n", calls::incrementAndGet);
        assertThat(lines).hasSize(4);
        assertThat(lines[1]).isEqualTo("error: StepServer expects 'window SECONDS' (0 < SECONDS <= 3600), 'roundtrip' "
                + "or 'quit', got 'windows 1'");
        assertThat(lines[2]).endsWith("got 'window -1'");
        assertThat(lines[3]).endsWith("got 'window x'");
        assertThat(calls.get()).isZero();
    }

    @Test
    void aRoundTripRequestIsAnsweredWithTheCoresRoundTripAndRunsNoStep() throws IOException {
        AtomicInteger calls = new AtomicInteger();
        String[] lines = serve("roundtrip\n", calls::incrementAndGet);
        assertThat(lines).hasSize(2);
        assertThat(lines[1]).matches(Runtime.getRuntime().availableProcessors() >= 2 ? "roundtrip_nanos=\\d+\\.\\d" : "roundtrip_nanos=NaN");
        assertThat(calls.get()).isZero();
    }

    @Test
    void theEndOfTheInputEndsIt() throws IOException {
        assertThat(serve("", () -> { })).containsExactly("ready");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
