package dev.panagrad.nn;

import dev.panagrad.engine.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Named tensors in registration order, as PyTorch's {@code state_dict()}: parameters and buffers under
 * dotted names such as {@code layer1.0.conv1.weight} and {@code bn1.running_mean}. Each entry carries the
 * element type it is stored with ({@link DType#I64} for counters like {@code num_batches_tracked}).
 */
public final class StateDict {
    /** One named tensor and its stored element type. */
    public record Entry(Tensor tensor, DType dtype) {
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    /** Adds or replaces an entry; returns this. */
    public StateDict put(String name, Tensor tensor, DType dtype) {
        entries.put(name, new Entry(tensor, dtype));
        return this;
    }

    /** Adds or replaces a float entry; returns this. */
    public StateDict put(String name, Tensor tensor) {
        return put(name, tensor, DType.F32);
    }

    /** The tensor under {@code name}, or null. */
    public Tensor get(String name) {
        Entry e = entries.get(name);
        return e == null ? null : e.tensor();
    }

    public Entry entry(String name) {
        return entries.get(name);
    }

    public Set<String> keys() {
        return Collections.unmodifiableSet(entries.keySet());
    }

    /** Entries in order, read-only. */
    public Map<String, Entry> entries() {
        return Collections.unmodifiableMap(entries);
    }

    public int size() {
        return entries.size();
    }

    /** The entries whose names start with {@code prefix}, with the prefix removed. */
    public StateDict withPrefix(String prefix) {
        StateDict out = new StateDict();
        entries.forEach((k, e) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), e.tensor(), e.dtype());
            }
        });
        return out;
    }
}
