package dev.panagrad.engine.testing;

import dev.panagrad.engine.Shape;
import dev.panagrad.engine.Tensor;
import dev.panagrad.engine.backend.Storage;
import dev.panagrad.engine.io.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Values PyTorch computed once and kept as a JSON test resource (each module's {@code fixtures/} folder
 * holds the script that wrote it). Tensors are stored as {@code {"shape": [...], "values": [...]}}.
 * Shared by every module's tests through the engine's test jar.
 *
 * <pre>{@code
 * static final PyTorchFixture TORCH = PyTorchFixture.resource("/fixtures/torch_reference.json");
 * Tensor y = TORCH.tensor("conv2d", 0, "y");
 * }</pre>
 */
public final class PyTorchFixture {
    private final String resource;
    private final Map<String, Object> root;

    private PyTorchFixture(String resource, Map<String, Object> root) {
        this.resource = resource;
        this.root = root;
    }

    /** Reads the JSON resource {@code name} (an absolute resource path) from the test class path. */
    public static PyTorchFixture resource(String name) {
        try (InputStream in = PyTorchFixture.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("fixture " + name + " is not on the test class path");
            }
            return new PyTorchFixture(name, Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("fixture " + name, e);
        }
    }

    /** The value under a path of object keys and list indices, e.g. {@code get("conv2d", 0, "y")}. */
    public Object get(Object... path) {
        Object node = root;
        for (Object p : path) {
            node = p instanceof Integer i ? ((List<?>) node).get(i) : ((Map<?, ?>) node).get(p);
            if (node == null) {
                throw new IllegalArgumentException("fixture " + resource + ": path " + Arrays.toString(path) + " not found");
            }
        }
        return node;
    }

    /** The tensor under a path. */
    public Tensor tensor(Object... path) {
        return toTensor(get(path));
    }

    /** The number under a path. */
    public double number(Object... path) {
        return ((Number) get(path)).doubleValue();
    }

    /** A {@code {"shape", "values"}} node as a tensor. */
    public static Tensor toTensor(Object node) {
        Map<?, ?> m = (Map<?, ?>) node;
        int[] shape = ((List<?>) m.get("shape")).stream().mapToInt(v -> ((Number) v).intValue()).toArray();
        List<?> values = (List<?>) m.get("values");
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = ((Number) values.get(i)).floatValue();
        }
        return Tensor.fromStorage(Storage.wrap(v), Shape.of(shape));
    }
}
