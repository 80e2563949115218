package dev.panagrad.nn.data;

import java.io.IOException;
import java.nio.file.Path;

/** A data file that is missing, truncated or not in the expected format: names the file and the byte offset. */
public final class DatasetFormatException extends IOException {

    public DatasetFormatException(Path file, long offset, String what) {
        super(file + ": " + what + " (at byte offset " + offset + ")");
    }
}
