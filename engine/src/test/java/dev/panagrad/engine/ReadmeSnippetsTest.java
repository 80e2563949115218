package dev.panagrad.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every Java block of README.md is a region of a test that runs it: the block follows a line
 * {@code <!-- snippet: PATH#NAME -->}, and its code, after any leading import lines, is exactly the lines
 * between {@code // snippet:NAME} and {@code // end snippet} in the file at PATH (relative to the
 * repository root), without their common indentation. A changed example fails here until the README
 * says the same.
 */
class ReadmeSnippetsTest {
    private static final Path ROOT = Path.of("..");
    private static final Pattern BLOCK = Pattern.compile(
            "(?:<!-- snippet: (\\S+)#(\\S+) -->\\n)?```java\\n(.*?)```", Pattern.DOTALL);

    record Block(String path, String name, String code) {
    }

    @Test
    void everyJavaBlockOfTheReadmeIsARegionOfATestedSource() throws IOException {
        List<Block> blocks = blocks(Files.readString(ROOT.resolve("README.md")));
        assertThat(blocks).as("Java blocks in README.md").hasSizeGreaterThanOrEqualTo(5);
        for (Block b : blocks) {
            assertThat(b.path()).as("the snippet marker before README block:%n%s", b.code()).isNotNull();
            String region = region(Files.readString(ROOT.resolve(b.path())), b.name(), b.path());
            assertThat(withoutImports(b.code())).as("README block %s#%s", b.path(), b.name()).isEqualTo(region);
        }
    }

    @Test
    void aRegionLosesItsCommonIndentation() {
        String source = "class A {\n    void f() {\n        // snippet:x\n        int a = 1;\n\n"
                + "        if (a > 0) {\n            a++;\n        }\n        // end snippet\n    }\n}\n";
        assertThat(region(source, "x", "A.java")).isEqualTo("int a = 1;\n\nif (a > 0) {\n    a++;\n}\n");
    }

    static List<Block> blocks(String markdown) {
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(markdown);
        while (m.find()) {
            out.add(new Block(m.group(1), m.group(2), m.group(3)));
        }
        return out;
    }

    /** The lines between the region's markers, without their common indentation. */
    static String region(String source, String name, String path) {
        List<String> lines = source.lines().toList();
        int start = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).trim().equals("// snippet:" + name)) {
                start = i + 1;
                break;
            }
        }
        if (start < 0) {
            throw new AssertionError(path + ": no line '// snippet:" + name + "'");
        }
        int end = start;
        while (end < lines.size() && !lines.get(end).trim().equals("// end snippet")) {
            end++;
        }
        if (end == lines.size()) {
            throw new AssertionError(path + ": snippet " + name + " has no '// end snippet'");
        }
        List<String> body = lines.subList(start, end);
        int indent = body.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length())
                .min().orElse(0);
        StringBuilder sb = new StringBuilder();
        for (String l : body) {
            sb.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
        }
        return sb.toString();
    }

    /** The block without the import lines (and the blank line after them) that open it. */
    private static String withoutImports(String code) {
        List<String> lines = new ArrayList<>(code.lines().toList());
        boolean imports = false;
        while (!lines.isEmpty() && lines.getFirst().startsWith("import ")) {
            lines.removeFirst();
            imports = true;
        }
        if (imports && !lines.isEmpty() && lines.getFirst().isBlank()) {
            lines.removeFirst();
        }
        return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
    }
}
