package dev.panagrad.examples;

import java.awt.Color;
import java.awt.Graphics2D;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A 5 x 7 pixel font drawn with rectangles, so that charts render the same on any machine, with or
 * without system fonts (headless servers often have none). Upper case, digits and common symbols;
 * lower case is drawn as upper case.
 */
final class PixelFont {
    private static final Map<Character, int[]> GLYPHS = new HashMap<>();

    static {
        String[] table = {
            "0 0E 11 13 15 19 11 0E", "1 04 0C 04 04 04 04 0E", "2 0E 11 01 02 04 08 1F", "3 1F 02 04 02 01 11 0E",
            "4 02 06 0A 12 1F 02 02", "5 1F 10 1E 01 01 11 0E", "6 06 08 10 1E 11 11 0E", "7 1F 01 02 04 08 08 08",
            "8 0E 11 11 0E 11 11 0E", "9 0E 11 11 0F 01 02 0C", "A 0E 11 11 1F 11 11 11", "B 1E 11 11 1E 11 11 1E",
            "C 0E 11 10 10 10 11 0E", "D 1C 12 11 11 11 12 1C", "E 1F 10 10 1E 10 10 1F", "F 1F 10 10 1E 10 10 10",
            "G 0E 11 10 17 11 11 0F", "H 11 11 11 1F 11 11 11", "I 0E 04 04 04 04 04 0E", "J 07 02 02 02 02 12 0C",
            "K 11 12 14 18 14 12 11", "L 10 10 10 10 10 10 1F", "M 11 1B 15 15 11 11 11", "N 11 11 19 15 13 11 11",
            "O 0E 11 11 11 11 11 0E", "P 1E 11 11 1E 10 10 10", "Q 0E 11 11 11 15 12 0D", "R 1E 11 11 1E 14 12 11",
            "S 0F 10 10 0E 01 01 1E", "T 1F 04 04 04 04 04 04", "U 11 11 11 11 11 11 0E", "V 11 11 11 11 11 0A 04",
            "W 11 11 11 15 15 15 0A", "X 11 11 0A 04 0A 11 11", "Y 11 11 11 0A 04 04 04", "Z 1F 01 02 04 08 10 1F",
            ". 00 00 00 00 00 0C 0C", ", 00 00 00 00 0C 04 08", "- 00 00 00 1F 00 00 00", "+ 00 04 04 1F 04 04 00",
            ": 00 0C 0C 00 0C 0C 00", "% 18 19 02 04 08 13 03", "( 02 04 08 08 08 04 02", ") 08 04 02 02 02 04 08",
            "/ 00 01 02 04 08 10 00", "= 00 00 1F 00 1F 00 00", "_ 00 00 00 00 00 00 1F", "> 08 04 02 01 02 04 08",
            "< 02 04 08 10 08 04 02", "? 0E 11 01 02 04 00 04",
        };
        for (String row : table) {
            String[] parts = row.split(" ");
            int[] bits = new int[7];
            for (int i = 0; i < 7; i++) {
                bits[i] = Integer.parseInt(parts[i + 1], 16);
            }
            GLYPHS.put(parts[0].charAt(0), bits);
        }
        GLYPHS.put(' ', new int[7]);
    }

    private PixelFont() {
    }

    /** Width in pixels of {@code text} at {@code scale}. */
    static int width(String text, int scale) {
        return text.length() * 6 * scale - scale;
    }

    /** Height in pixels of a line at {@code scale}. */
    static int height(int scale) {
        return 7 * scale;
    }

    /** Draws {@code text} with its top-left corner at (x, y). */
    static void draw(Graphics2D g, String text, int x, int y, int scale, Color color) {
        g.setColor(color);
        String upper = text.toUpperCase(Locale.ROOT);
        for (int i = 0; i < upper.length(); i++) {
            int[] glyph = GLYPHS.getOrDefault(upper.charAt(i), GLYPHS.get('?'));
            int gx = x + i * 6 * scale;
            for (int r = 0; r < 7; r++) {
                for (int c = 0; c < 5; c++) {
                    if ((glyph[r] >> (4 - c) & 1) != 0) {
                        g.fillRect(gx + c * scale, y + r * scale, scale, scale);
                    }
                }
            }
        }
    }
}
