package dev.panagrad.cckd.train;

import java.util.Locale;

/** What the student learns from. */
public enum Method {
    /** Cross-entropy only: the student trained alone. */
    CE,
    /** alpha CE + (1 - alpha) KD. */
    KD,
    /** alpha CE + (1 - alpha) KD + beta CC: the paper's full loss. */
    CCKD,
    /** CE + attention transfer on the last stages. */
    AT,
    /** Deep mutual learning: two students, each CE + KL to the other. */
    DML,
    /** CE + an adversarial loss against a discriminator of teacher and student embeddings. */
    ADV,
    /** CE + L2 distance to the teacher's embedding. */
    L2;

    /** Whether a teacher takes part. */
    public boolean needsTeacher() {
        return this != CE && this != DML;
    }

    /** The command-line name: {@code ce}, {@code kd}, {@code cckd}, ... */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Method parse(String s) {
        for (Method m : values()) {
            if (m.cliName().equals(s.toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new IllegalArgumentException("method: unknown '" + s + "'; known: ce, kd, cckd, at, dml, adv, l2");
    }
}
