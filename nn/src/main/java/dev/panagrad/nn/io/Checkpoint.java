package dev.panagrad.nn.io;

import dev.panagrad.nn.Module;
import dev.panagrad.nn.StateDict;
import dev.panagrad.nn.optim.Optimizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Model and training checkpoints as safetensors files. A model file holds the state dict under
 * PyTorch's names and nothing else, so {@code nn/scripts/safetensors_to_torch.py} loads it into the
 * matching PyTorch model. A training checkpoint adds the optimiser state under {@value #OPTIMIZER_PREFIX}
 * and free-form metadata (epoch, seed, ...); the PyTorch loader skips those entries. Every write is
 * atomic.
 */
public final class Checkpoint {
    /** Prefix of the optimiser's entries in a training checkpoint. */
    public static final String OPTIMIZER_PREFIX = "optimizer.";

    private Checkpoint() {
    }

    /** Writes {@code model}'s state dict to {@code file}. */
    public static void saveModel(Path file, Module model) throws IOException {
        SafeTensors.write(file, model.stateDict(), Map.of("format", "pt"));
    }

    /**
     * Loads a file written by {@link #saveModel} (or a training checkpoint, or a file converted from
     * PyTorch) into {@code model}, strictly: every key must match by name and shape.
     *
     * @return the file's metadata
     */
    public static Map<String, String> loadModel(Path file, Module model) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        loadModelState(file, c, model);
        return c.metadata();
    }

    private static void loadModelState(Path file, SafeTensors.Contents c, Module model) throws CheckpointFormatException {
        StateDict modelState = new StateDict();
        c.tensors().entries().forEach((k, e) -> {
            if (!k.startsWith(OPTIMIZER_PREFIX)) {
                modelState.put(k, e.tensor(), e.dtype());
            }
        });
        try {
            model.loadStateDict(modelState);
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(file, "does not match the model: " + e.getMessage());
        }
    }

    /** Writes the model state, the optimiser state and {@code metadata} to {@code file}, atomically. */
    public static void saveTraining(Path file, Module model, Optimizer optimizer, Map<String, String> metadata)
            throws IOException {
        StateDict all = new StateDict();
        model.stateDict().entries().forEach((k, e) -> all.put(k, e.tensor(), e.dtype()));
        optimizer.stateDict().entries().forEach((k, e) -> all.put(OPTIMIZER_PREFIX + k, e.tensor(), e.dtype()));
        SafeTensors.write(file, all, metadata);
    }

    /**
     * Restores a training checkpoint into {@code model} and {@code optimizer}.
     *
     * @return its metadata
     */
    public static Map<String, String> loadTraining(Path file, Module model, Optimizer optimizer) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        loadModelState(file, c, model);
        StateDict state = c.tensors().withPrefix(OPTIMIZER_PREFIX);
        try {
            optimizer.loadStateDict(state);
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(file, "optimizer state does not match: " + e.getMessage());
        }
        return c.metadata();
    }
}
