package dev.panagrad.nn.data;

import java.io.IOException;

/** A dataset that is neither on disk nor downloadable here; the message says where to put it by hand. */
public final class DatasetUnavailableException extends IOException {
    public DatasetUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
