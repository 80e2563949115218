package dev.panagrad.nn;

/** Element type of a state-dict entry as stored in a checkpoint: tensors are F32, counters I64. */
public enum DType {
    F32(4),
    I64(8);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }
}
