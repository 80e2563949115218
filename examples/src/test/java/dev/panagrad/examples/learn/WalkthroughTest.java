package dev.panagrad.examples.learn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.panagrad.examples.PanagradCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * docs/walkthrough.md points at things that exist: every file it names, every method it says to read,
 * every test its commands run and every {@code ./panagrad} command line it shows (parsed as the CLI
 * would parse it). The programs themselves run in {@link LearnProgramsTest}, the named tests in the
 * build.
 */
class WalkthroughTest {
    private static final Path ROOT = Path.of("..");

    @Test
    void everyFileItNamesExists() throws IOException {
        Matcher m = Pattern.compile("`((?:engine|nn|cckd|bench|examples)/[^`\\s]+)`").matcher(walkthrough());
        List<String> paths = new ArrayList<>();
        while (m.find()) {
            paths.add(m.group(1));
        }
        assertThat(paths).hasSizeGreaterThan(10);
        assertThat(paths).allSatisfy(p -> assertThat(ROOT.resolve(p)).exists());
    }

    @Test
    void everyMethodItSaysToReadIsInItsFile() throws IOException {
        Matcher m = Pattern.compile("`([^`]+\\.java)`, method `(\\w+)`").matcher(walkthrough());
        int found = 0;
        while (m.find()) {
            assertThat(Files.readString(ROOT.resolve(m.group(1)))).as(m.group(0)).containsPattern("\\b" + m.group(2) + "\\(");
            found++;
        }
        assertThat(found).isGreaterThanOrEqualTo(3);
    }

    @Test
    void everyCommandNamesSomethingThatExists() throws IOException {
        List<String> commands = commands();
        assertThat(commands).isNotEmpty();
        for (String c : commands) {
            String[] words = c.split("\\s+");
            if (c.startsWith("./panagrad ")) {
                // parses as the CLI parses it: a known subcommand, known options, a known program
                CommandLine.ParseResult parsed = new CommandLine(new PanagradCli()).parseArgs(Arrays.copyOfRange(words, 1, words.length));
                assertThat(parsed.hasSubcommand()).as(c).isTrue();
                if (words[1].equals("learn")) {
                    assertThat(words[2]).as(c).isIn("scalar", "mlp", "custom-op", "distill");
                }
            } else if (c.startsWith("mvn ") && c.contains("-Dtest=")) {
                String module = c.replaceAll(".*-pl (\\S+).*", "$1");
                String test = c.replaceAll(".*-Dtest=(\\w+).*", "$1");
                try (Stream<Path> files = Files.walk(ROOT.resolve(module).resolve("src/test/java"))) {
                    assertThat(files.anyMatch(f -> f.getFileName().toString().equals(test + ".java"))).as(c).isTrue();
                }
            } else if (c.startsWith("python3 bench/compare.py")) {
                String compare = Files.readString(ROOT.resolve("bench/compare.py"));
                for (int i = 2; i < words.length; i++) {
                    if (words[i].startsWith("--")) {
                        assertThat(compare).as(c).contains("\"" + words[i] + "\"");
                    } else if (words[i - 1].equals("--only")) {
                        assertThat(compare).as(c).containsPattern("--only\", default=\"[^\"]*\\b" + words[i] + "\\b");
                    }
                }
            } else {
                assertThat(c).as("a command the test does not know how to check").startsWith("mvn ");
            }
        }
    }

    /** The command lines of the walkthrough's code blocks, without comments. */
    private static List<String> commands() throws IOException {
        List<String> out = new ArrayList<>();
        boolean inBlock = false;
        String language = "";
        for (String line : walkthrough().lines().toList()) {
            if (line.startsWith("```")) {
                inBlock = !inBlock;
                language = line.substring(3);
                continue;
            }
            if (inBlock && language.isEmpty() && !line.isBlank()) {
                out.add(line.replaceAll("\\s+#.*", "").trim());
            }
        }
        return out;
    }

    private static String walkthrough() throws IOException {
        return Files.readString(ROOT.resolve("docs/walkthrough.md"));
    }
}
