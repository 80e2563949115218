import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Fails the build when a test class never ran: every concrete class under a module's src/test/java that
 * holds test methods (JUnit's @Test, @ParameterizedTest, @RepeatedTest, @TestFactory, jqwik's @Property
 * and @Example) must have a Surefire report in each reports folder given. A class whose name matches no
 * Surefire pattern, or that a filter drops by mistake, is otherwise skipped without a word.
 *
 * <p>Usage: {@code java CheckTestReports.java TEST_SOURCES TEST_CLASSES REPORTS_DIR [REPORTS_DIR ...]}; a
 * blank REPORTS_DIR is passed over. Run by Maven in the verify phase of every module (see the parent
 * pom). Where TEST_CLASSES does not exist the tests were not compiled ({@code -Dmaven.test.skip}), and
 * there is nothing to check.
 */
public final class CheckTestReports {
    private static final Pattern TEST_METHOD = Pattern.compile(
            "@(Test|ParameterizedTest|RepeatedTest|TestFactory|Property|Example)\\b");
    private static final Pattern ABSTRACT = Pattern.compile("\\babstract\\s+class\\b");

    public static void main(String[] args) throws IOException {
        Path sources = Path.of(args[0]);
        if (!Files.isDirectory(sources)) {
            return;
        }
        if (!Files.isDirectory(Path.of(args[1]))) {
            System.out.println("CheckTestReports: no compiled tests in " + args[1] + ", nothing to check");
            return;
        }
        List<String> missing = new ArrayList<>();
        int classes = 0;
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                String text = Files.readString(file);
                if (!TEST_METHOD.matcher(text).find() || ABSTRACT.matcher(text).find()) {
                    continue;
                }
                classes++;
                String name = sources.relativize(file).toString().replace(".java", "").replace('/', '.');
                for (int i = 2; i < args.length; i++) {
                    if (args[i].isBlank()) {
                        continue; // a reports folder that this build does not have (no AVX2 rerun off x86)
                    }
                    Path report = Path.of(args[i], "TEST-" + name + ".xml");
                    if (!Files.isRegularFile(report)) {
                        missing.add(name + " (no " + report + ")");
                    }
                }
            }
        }
        if (!missing.isEmpty()) {
            System.err.println("Test classes with test methods that did not run:");
            missing.forEach(m -> System.err.println("  " + m));
            System.exit(1);
        }
        System.out.println("CheckTestReports: " + classes + " test classes in " + sources + ", each with a report");
    }
}
