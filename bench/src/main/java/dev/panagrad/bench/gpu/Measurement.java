package dev.panagrad.bench.gpu;

import java.util.Locale;

/**
 * One timed workload on one engine, a line of the tab-separated files that {@code GpuRun} and
 * {@code torch_gpu.py} write: workload, engine, value, unit, milliseconds per run, note. The value is
 * a rate (GFLOPS, img/s, GB/s) or, with unit {@code ms} or {@code us}, a time; a NaN value means the
 * workload did not run, and the note says why.
 */
record Measurement(String workload, String engine, double value, String unit, double ms, String note) {

    /** Whether a larger value is better (a rate, not a time). */
    boolean higherIsBetter() {
        return !unit.equals("ms") && !unit.equals("us");
    }

    String toTsv() {
        return String.join("\t", workload, engine, format(value), unit, format(ms), note);
    }

    static Measurement parse(String line) {
        String[] f = line.split("\t", -1);
        if (f.length < 5) {
            throw new IllegalArgumentException("measurement line has " + f.length + " fields, needs at least 5: '" + line + "'");
        }
        return new Measurement(f[0], f[1], parseNumber(f[2]), f[3], parseNumber(f[4]), f.length > 5 ? f[5] : "");
    }

    private static String format(double v) {
        return Double.isNaN(v) ? "nan" : String.format(Locale.ROOT, "%.6g", v);
    }

    private static double parseNumber(String s) {
        return s.equalsIgnoreCase("nan") || s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    }
}
