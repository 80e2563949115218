package dev.panagrad.nn.io;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint file that is not a valid safetensors file, or not the one expected: names the file and the byte offset. */
public final class CheckpointFormatException extends IOException {

    public CheckpointFormatException(Path file, long offset, String what) {
        super("checkpoint " + file + ": " + what + " (at byte offset " + offset + ")");
    }

    public CheckpointFormatException(Path file, String what) {
        super("checkpoint " + file + ": " + what);
    }
}
