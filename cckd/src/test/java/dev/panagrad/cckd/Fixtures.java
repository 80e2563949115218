package dev.panagrad.cckd;

import dev.panagrad.engine.Shape;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.backend.Storage;
import dev.panagrad.nn.io.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Values PyTorch computed once (fixtures/make_fixtures.py), read from fixtures/torch_cc_reference.json. */
public final class Fixtures {
    private static Map<String, Object> root;

    private Fixtures() {
    }

    public static Object get(Object... path) {
        Object node = root();
        for (Object p : path) {
            node = p instanceof Integer i ? ((List<?>) node).get(i) : ((Map<?, ?>) node).get(p);
        }
        return node;
    }

    public static Tensor tensor(Object... path) {
        Map<?, ?> m = (Map<?, ?>) get(path);
        int[] shape = ((List<?>) m.get("shape")).stream().mapToInt(v -> ((Number) v).intValue()).toArray();
        List<?> values = (List<?>) m.get("values");
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = ((Number) values.get(i)).floatValue();
        }
        return Tensor.fromStorage(Storage.wrap(v), Shape.of(shape));
    }

    public static double number(Object... path) {
        return ((Number) get(path)).doubleValue();
    }

    private static synchronized Map<String, Object> root() {
        if (root == null) {
            try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/torch_cc_reference.json")) {
                root = Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return root;
    }

    /** Element-wise closeness, naming the first element off. */
    public static void assertClose(String what, Tensor actual, Tensor expected, double tol) {
        float[] a = actual.toArray();
        float[] e = expected.toArray();
        if (a.length != e.length) {
            throw new AssertionError(what + ": " + a.length + " values, expected " + e.length);
        }
        for (int i = 0; i < a.length; i++) {
            if (!(Math.abs(a[i] - e[i]) <= tol * Math.max(1, Math.abs(e[i])))) {
                throw new AssertionError(what + ": element " + i + " is " + a[i] + ", PyTorch gives " + e[i]);
            }
        }
    }
}
