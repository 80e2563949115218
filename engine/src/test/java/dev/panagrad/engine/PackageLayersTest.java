package dev.panagrad.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The engine's packages form layers: the backends and their kernels below, autodiff above, imports only
 * going down. Read from the compiled classes (every class a class file names), as {@code jdeps} does.
 */
class PackageLayersTest {
    private static final String ROOT = "dev.panagrad.engine";
    private static final Pattern TYPE = Pattern.compile("L(dev/panagrad/engine/[\\w/$]+)[;<]");

    @Test
    void theOnlyCycleIsTheTensorFacadeWithTheOpsItDelegatesTo() throws IOException {
        Map<String, Set<String>> imports = packageImports();
        List<Set<String>> cycles = new ArrayList<>();
        for (String p : imports.keySet()) {
            Set<String> cycle = new TreeSet<>();
            for (String q : imports.keySet()) {
                if (reaches(imports, p, q) && reaches(imports, q, p)) {
                    cycle.add(q);
                }
            }
            if (cycle.size() > 1 && !cycles.contains(cycle)) {
                cycles.add(cycle);
            }
        }
        assertThat(cycles).containsExactly(Set.of(ROOT, ROOT + ".ops"));
    }

    /**
     * Backends and the profiler see the backend interface, not tensors or autodiff. The OpenCL backend
     * also names the scalar one: it runs the few kernels it has no device code for (strided copies,
     * gathers and binaries of more than its kernels' rank) on the host.
     */
    @Test
    void backendsAndTheProfilerSeeOnlyTheBackendInterface() throws IOException {
        Map<String, Set<String>> imports = packageImports();
        String backend = ROOT + ".backend";
        assertThat(imports.get(backend)).as(backend).isEmpty();
        for (String p : List.of(".backend.scalar", ".backend.simd", ".profile")) {
            assertThat(imports.get(ROOT + p)).as(ROOT + p).containsExactly(backend);
        }
        assertThat(imports.get(ROOT + ".backend.opencl")).containsExactlyInAnyOrder(backend, backend + ".scalar");
    }

    /** Autodiff and the ops find backends as services: no package above the backends names one of them. */
    @Test
    void nothingAboveTheBackendsNamesAnImplementation() throws IOException {
        Map<String, Set<String>> imports = packageImports();
        for (String p : List.of("", ".ops")) {
            assertThat(imports.get(ROOT + p)).as(ROOT + p)
                    .contains(ROOT + ".backend")
                    .doesNotContain(ROOT + ".backend.scalar", ROOT + ".backend.simd", ROOT + ".backend.opencl");
        }
    }

    private static boolean reaches(Map<String, Set<String>> imports, String from, String to) {
        Set<String> seen = new TreeSet<>();
        List<String> todo = new ArrayList<>(List.of(from));
        while (!todo.isEmpty()) {
            String p = todo.removeLast();
            if (p.equals(to)) {
                return true;
            }
            if (seen.add(p)) {
                todo.addAll(imports.getOrDefault(p, Set.of()));
            }
        }
        return false;
    }

    /** For each package of the engine's main classes, the other engine packages its classes name. */
    private static Map<String, Set<String>> packageImports() throws IOException {
        Path classes = Path.of(PackageLayersTest.class.getProtectionDomain().getCodeSource().getLocation().getPath())
                .resolveSibling("classes");
        Map<String, Set<String>> imports = new TreeMap<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                var model = ClassFile.of().parse(f);
                String own = packageOf(model.thisClass().asInternalName());
                Set<String> named = imports.computeIfAbsent(own, k -> new TreeSet<>());
                for (var entry : model.constantPool()) {
                    // Class references, and the types in descriptors and signatures ("Ldev/panagrad/...;").
                    String text = entry instanceof ClassEntry c ? "L" + c.asInternalName() + ";"
                            : entry instanceof Utf8Entry u ? u.stringValue() : "";
                    Matcher m = TYPE.matcher(text);
                    while (m.find()) {
                        String other = packageOf(m.group(1));
                        if (!other.equals(own)) {
                            named.add(other);
                        }
                    }
                }
            }
        }
        assertThat(imports).as("engine packages found in " + classes).containsKey(ROOT + ".backend");
        return imports;
    }

    private static String packageOf(String internalName) {
        int slash = internalName.lastIndexOf('/');
        return slash < 0 ? "" : internalName.substring(0, slash).replace('/', '.');
    }
}
