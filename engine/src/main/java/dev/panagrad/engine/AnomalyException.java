package dev.panagrad.engine;

/** The first NaN or infinity found by {@link Anomaly} detection; the message says where. */
public final class AnomalyException extends ArithmeticException {
    private final String op;

    AnomalyException(String op, String message) {
        super(message);
        this.op = op;
    }

    /** The op whose output or gradient held the value. */
    public String op() {
        return op;
    }
}
