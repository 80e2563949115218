package dev.panagrad.bench;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** What a tool's {@code main} prints, for the tools' tests: System.out captured while it runs. */
final class StandardOutput {
    private StandardOutput() {
    }

    /** A tool's run, which may throw what its {@code main} declares. */
    interface Run {
        void run() throws Throwable;
    }

    /** The lines {@code run} printed on System.out. */
    static String[] linesOf(Run run) throws Throwable {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream out = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            run.run();
        } finally {
            System.setOut(out);
        }
        return captured.toString(StandardCharsets.UTF_8).lines().toArray(String[]::new);
    }
}
