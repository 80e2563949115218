package dev.panagrad.engine.backend.simd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The SIMD kernels use one float species, the machine's preferred one, and reach narrower widths
 * through masks. A second species makes the JDK's shared vector methods ({@code intoArray}, {@code add},
 * ...) see two vector classes in their profiles; C2 then compiles some loops with vectors of unknown
 * class and boxes every one on the heap (measured: 0.5 to 8 GB per CCKD step at 512 bits, depending on
 * the order of compilations). Read from the sources, as the rule is about what the code names.
 */
class OneSpeciesTest {
    private static final Path KERNELS = Path.of("src/main/java/dev/panagrad/engine/backend/simd");
    /** A fixed-width species, a species built from a shape, or a shape itself. */
    private static final Pattern OTHER_SPECIES =
            Pattern.compile("SPECIES_(64|128|256|512|MAX)\\b|VectorSpecies\\.of\\(|VectorShape\\b|withShape\\(");

    @Test
    void kernelsNameOnlyThePreferredSpecies() throws IOException {
        List<String> offenders;
        try (Stream<Path> files = Files.list(KERNELS)) {
            offenders = files.filter(f -> f.toString().endsWith(".java")).flatMap(OneSpeciesTest::otherSpecies).toList();
        }

        assertThat(KERNELS.resolve("ZeroPadding.java")).as("the kernels' sources, read from the module").exists();
        assertThat(offenders).isEmpty();
    }

    private static Stream<String> otherSpecies(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return java.util.stream.IntStream.range(0, lines.size())
                    .filter(i -> OTHER_SPECIES.matcher(lines.get(i)).find())
                    .mapToObj(i -> file.getFileName() + ":" + (i + 1) + ": " + lines.get(i).strip());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
