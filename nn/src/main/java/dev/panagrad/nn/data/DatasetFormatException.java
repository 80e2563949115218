package dev.panagrad.nn.data;

import java.io.IOException;
import java.nio.file.Path;

/** A data file that is missing, truncated or not in the expected format: names the file and, where it applies, the byte offset. */
public final class DatasetFormatException extends IOException {

    public DatasetFormatException(Path file, long offset, String what) {
        super(file + ": " + what + " (at byte offset " + offset + ")");
    }

    /** For a whole file or folder, where no offset applies (an image that does not decode). */
    public DatasetFormatException(Path file, String what) {
        super(file + ": " + what);
    }
}
