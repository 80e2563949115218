package dev.panagrad.engine;

import java.security.CodeSource;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Anomaly detection: while on, every op checks its output, and in backward every gradient it
 * returns, for NaN and infinities, and the first one found stops the computation with an
 * {@link AnomalyException} naming the op, its input shapes, the first bad element, and where the op
 * was called from (recorded when the op ran forward). Slow: every value is read on the host. On this
 * thread until the scope closes, or everywhere with {@code -Dpanagrad.detectAnomaly=true}:
 *
 * <pre>{@code
 * try (var ignored = Anomaly.detect()) {
 *     model.forward(x).sum().backward();
 * }
 * }</pre>
 */
public final class Anomaly {
    private static final boolean EVERYWHERE = Boolean.getBoolean("panagrad.detectAnomaly");
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {EVERYWHERE});
    private static final CodeSource ENGINE = Anomaly.class.getProtectionDomain().getCodeSource();
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    private static final int CALLER_FRAMES = 3;

    private Anomaly() {
    }

    /** Whether ops check for NaN and infinities on this thread. */
    public static boolean isEnabled() {
        return ENABLED.get()[0];
    }

    /** Turns detection on until the returned scope closes. */
    public static Grad.Scope detect() {
        boolean[] flag = ENABLED.get();
        boolean previous = flag[0];
        flag[0] = true;
        return () -> flag[0] = previous;
    }

    /**
     * The code that called the op being recorded: the first frames outside the engine, innermost first,
     * as {@code Class.method(File.java:line)}.
     */
    static String callSite() {
        List<String> frames = WALKER.walk(s -> s
                .dropWhile(f -> isEngine(f.getDeclaringClass()))
                .limit(CALLER_FRAMES)
                .map(f -> f.getClassName() + "." + f.getMethodName() + "(" + f.getFileName() + ":" + f.getLineNumber()
                        + ")")
                .collect(Collectors.toList()));
        return frames.isEmpty() ? "(no caller outside the engine)" : String.join(" <- ", frames);
    }

    private static boolean isEngine(Class<?> c) {
        CodeSource source = c.getProtectionDomain().getCodeSource();
        return c.getName().startsWith("dev.panagrad.engine.") && (ENGINE == null || ENGINE.equals(source))
                || c.getName().startsWith("java.") || c.getName().startsWith("jdk.");
    }

    /** Throws if {@code t} holds NaN or an infinity: the forward check of op {@code op}. */
    static void checkOutput(String op, Tensor[] inputs, Tensor t) {
        int at = firstNonFinite(t);
        if (at >= 0) {
            throw new AnomalyException(op, String.format(Locale.ROOT, "%s: output %s holds %s at flat index %d; inputs %s; "
                    + "called from %s", op, t.shape(), describe(t.storage().read()[at]), at, shapes(inputs), callSite()));
        }
    }

    /** Throws if gradient {@code g} for input {@code i} of node {@code node} holds NaN or an infinity. */
    static void checkGradient(Node node, int i, Tensor g) {
        int at = firstNonFinite(g);
        if (at >= 0) {
            throw new AnomalyException(node.op(), String.format(Locale.ROOT,
                    "%s (backward): the gradient for input %d, of shape %s, holds %s at flat index %d; inputs %s; "
                            + "the op was called from %s", node.op(), i, g.shape(), describe(g.storage().read()[at]), at,
                    shapes(node.inputs().toArray(new Tensor[0])), node.callSite() == null
                            ? "(not recorded: turn anomaly detection on before the forward pass)" : node.callSite()));
        }
    }

    private static int firstNonFinite(Tensor t) {
        float[] v = t.storage().read();
        int n = t.numel();
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(v[i])) {
                return i;
            }
        }
        return -1;
    }

    private static String describe(float v) {
        return Float.isNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
    }

    private static String shapes(Tensor[] inputs) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < inputs.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(inputs[i].shape());
        }
        return sb.toString();
    }
}
