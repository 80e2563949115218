package dev.panagrad.nn;

import java.util.List;

/**
 * Loading a state dict into a module whose parameters and buffers do not match it: every missing key,
 * unexpected key and shape mismatch is listed, as PyTorch's {@code load_state_dict(strict=True)} does.
 */
public final class StateDictMismatchException extends IllegalArgumentException {
    private final List<String> missing;
    private final List<String> unexpected;
    private final List<String> shapeMismatches;

    public StateDictMismatchException(String module, List<String> missing, List<String> unexpected,
                                      List<String> shapeMismatches) {
        super("Error(s) in loading state dict for " + module + ":"
                + (missing.isEmpty() ? "" : "\n\tMissing key(s): " + String.join(", ", missing))
                + (unexpected.isEmpty() ? "" : "\n\tUnexpected key(s): " + String.join(", ", unexpected))
                + (shapeMismatches.isEmpty() ? "" : "\n\tSize mismatch: " + String.join("; ", shapeMismatches)));
        this.missing = List.copyOf(missing);
        this.unexpected = List.copyOf(unexpected);
        this.shapeMismatches = List.copyOf(shapeMismatches);
    }

    public List<String> missing() {
        return missing;
    }

    public List<String> unexpected() {
        return unexpected;
    }

    public List<String> shapeMismatches() {
        return shapeMismatches;
    }
}
