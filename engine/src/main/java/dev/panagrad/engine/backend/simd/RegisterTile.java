package dev.panagrad.engine.backend.simd;

import java.util.Comparator;
import java.util.List;

/**
 * The shape of a micro-kernel's register tile: {@code rows} values broadcast one at a time, by
 * {@code vectors} vectors loaded per step, so {@code rows * vectors} accumulators and
 * {@code rows * vectors} multiply-adds per {@code rows + vectors} values read.
 *
 * <p>Each kernel writes its tiles out by hand (an array of vectors would be boxed), so a kernel offers a
 * few shapes and {@link #choose} takes the one that suits the machine.
 */
public record RegisterTile(int rows, int vectors) {

    public static RegisterTile of(int rows, int vectors) {
        return new RegisterTile(rows, vectors);
    }

    /**
     * Of the {@code written} shapes, the one that stays in the machine's registers ({@link
     * VectorMachine#fits}) with the most multiply-adds per value read, then the most accumulators (more
     * independent chains hide the multiply-add latency). Where none fits, the smallest. {@code forced},
     * when not null, names a written shape as {@code "RxV"} and wins.
     */
    public static RegisterTile choose(VectorMachine machine, List<RegisterTile> written, String forced) {
        if (forced != null) {
            return written.stream().filter(t -> t.toString().equals(forced)).findFirst().orElseThrow(
                    () -> new IllegalArgumentException("register tile " + forced + " is not one of " + written));
        }
        return written.stream().filter(machine::fits)
                .max(Comparator.comparingDouble(RegisterTile::reusePerValue).thenComparingInt(RegisterTile::accumulators))
                .orElseGet(() -> written.stream().min(Comparator.comparingInt(t -> t.registers())).orElseThrow());
    }

    public int accumulators() {
        return rows * vectors;
    }

    /** Registers the tile needs under C2: accumulators plus one step's loads and broadcasts. */
    public int registers() {
        return rows * vectors + rows + vectors;
    }

    /** Multiply-adds per value read. */
    public double reusePerValue() {
        return (double) rows * vectors / (rows + vectors);
    }

    @Override
    public String toString() {
        return rows + "x" + vectors;
    }
}
