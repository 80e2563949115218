package dev.panagrad.engine.backend.opencl;

import dev.panagrad.engine.backend.Storage;

/** A storage's region of the device arena: {@code length} floats at {@code offset}. */
final class DeviceBuffer implements Storage.DeviceCopy {
    final DeviceMemory owner;
    final int offset;
    final int length;

    DeviceBuffer(DeviceMemory owner, int offset, int length) {
        this.owner = owner;
        this.offset = offset;
        this.length = length;
    }

    @Override
    public void download(float[] host) {
        owner.download(this, host);
    }

    @Override
    public void release() {
        owner.releaseStorage(this);
    }
}
