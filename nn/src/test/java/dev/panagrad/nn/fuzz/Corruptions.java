package dev.panagrad.nn.fuzz;

import java.util.Arrays;
import java.util.Random;

/**
 * Random damage to a valid file, the kinds that disks, transfers and hostile inputs produce: flipped
 * bits, overwritten bytes, header integers replaced by extreme values, truncation, trailing garbage,
 * a duplicated or deleted block. Seeded, so a failing case can be replayed from its number.
 */
public final class Corruptions {
    private static final int[] EXTREMES = {0, -1, 1, Integer.MAX_VALUE, Integer.MIN_VALUE, 0x7FFF_FFF0, 1 << 30, 65536};

    private Corruptions() {
    }

    /** Case {@code i} of the corruptions of {@code valid}; {@code headerBytes} is where the header ends. */
    public static byte[] corrupt(byte[] valid, int headerBytes, long seed, int i) {
        Random r = new Random(seed * 1_000_003L + i);
        byte[] b = valid.clone();
        int kind = i % 8;
        int hot = Math.max(1, Math.min(b.length, headerBytes + 16)); // most damage where the structure is
        switch (kind) {
            case 0 -> {
                for (int k = 1 + r.nextInt(8); k > 0; k--) {
                    int at = r.nextInt(r.nextBoolean() ? hot : b.length);
                    b[at] ^= (byte) (1 << r.nextInt(8));
                }
            }
            case 1 -> {
                for (int k = 1 + r.nextInt(16); k > 0; k--) {
                    b[r.nextInt(hot)] = (byte) r.nextInt(256);
                }
            }
            case 2 -> {
                int at = r.nextInt(Math.max(1, hot - 3)) & ~3;
                int v = EXTREMES[r.nextInt(EXTREMES.length)];
                for (int k = 0; k < 4 && at + k < b.length; k++) {
                    // both byte orders: big-endian for IDX, little-endian for safetensors
                    b[at + k] = (byte) (r.nextBoolean() ? v >>> (24 - 8 * k) : v >>> (8 * k));
                }
            }
            case 3 -> b = Arrays.copyOf(b, r.nextInt(b.length));
            case 4 -> {
                byte[] tail = new byte[1 + r.nextInt(4096)];
                r.nextBytes(tail);
                byte[] longer = Arrays.copyOf(b, b.length + tail.length);
                System.arraycopy(tail, 0, longer, b.length, tail.length);
                b = longer;
            }
            case 5 -> {
                int from = r.nextInt(b.length);
                int len = Math.min(b.length - from, 1 + r.nextInt(256));
                byte[] longer = new byte[b.length + len];
                System.arraycopy(b, 0, longer, 0, from + len);
                System.arraycopy(b, from, longer, from + len, b.length - from);
                b = longer;
            }
            case 6 -> {
                int from = r.nextInt(b.length);
                int len = Math.min(b.length - from, 1 + r.nextInt(256));
                byte[] shorter = new byte[b.length - len];
                System.arraycopy(b, 0, shorter, 0, from);
                System.arraycopy(b, from + len, shorter, from, b.length - from - len);
                b = shorter;
            }
            default -> {
                int len = r.nextInt(Math.min(b.length, 64) + 1);
                byte[] noise = new byte[len];
                r.nextBytes(noise);
                System.arraycopy(noise, 0, b, r.nextInt(b.length - len + 1), len);
            }
        }
        return b;
    }
}
