package dev.panagrad.nn;

import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.io.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Values computed once by PyTorch (fixtures/make_fixtures.py) and kept in fixtures/torch_reference.json.
 * Tensors are stored as {"shape": [...], "values": [...]}.
 */
public final class TorchReference {
    private static Map<String, Object> root;

    private TorchReference() {
    }

    /** The value under a path of object keys and list indices, e.g. {@code get("conv2d", 0, "y")}. */
    public static Object get(Object... path) {
        Object node = root();
        for (Object p : path) {
            node = p instanceof Integer i ? ((List<?>) node).get(i) : ((Map<?, ?>) node).get(p);
            if (node == null) {
                throw new IllegalArgumentException("fixture path " + java.util.Arrays.toString(path) + " not found");
            }
        }
        return node;
    }

    /** The tensor under a path. */
    public static Tensor tensor(Object... path) {
        return toTensor(get(path));
    }

    /** A number under a path. */
    public static double number(Object... path) {
        return ((Number) get(path)).doubleValue();
    }

    public static Tensor toTensor(Object node) {
        Map<?, ?> m = (Map<?, ?>) node;
        int[] shape = ((List<?>) m.get("shape")).stream().mapToInt(v -> ((Number) v).intValue()).toArray();
        List<?> values = (List<?>) m.get("values");
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = ((Number) values.get(i)).floatValue();
        }
        return Tensor.fromStorage(dev.panagrad.engine.backend.Storage.wrap(v), dev.panagrad.engine.Shape.of(shape));
    }

    private static synchronized Map<String, Object> root() {
        if (root == null) {
            try (InputStream in = TorchReference.class.getResourceAsStream("/fixtures/torch_reference.json")) {
                root = Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return root;
    }

    /** Asserts element-wise closeness with a message naming the worst element. */
    public static void assertClose(String what, Tensor actual, Tensor expected, double tol) {
        if (!actual.shape().equals(expected.shape())) {
            throw new AssertionError(what + ": shape " + actual.shape() + ", expected " + expected.shape());
        }
        float[] a = actual.toArray();
        float[] e = expected.toArray();
        for (int i = 0; i < a.length; i++) {
            if (!(Math.abs(a[i] - e[i]) <= tol * Math.max(1, Math.abs(e[i])))) {
                throw new AssertionError(what + ": element " + i + " is " + a[i] + ", PyTorch gives " + e[i]);
            }
        }
    }
}
