"""Reads and writes the safetensors format with only json and numpy (Debian's python3-torch has no
safetensors package). The layout: 8-byte little-endian header length, a JSON header of
{name: {dtype, shape, data_offsets}} plus "__metadata__", then the raw little-endian data."""
import json
import struct
import zlib

import numpy as np

DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8"), "I64": np.dtype("<i8"), "I32": np.dtype("<i4")}


def read(path):
    """Returns ({name: numpy array}, metadata dict)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n:]
    crc = meta.get("panagrad.crc32")
    if crc is not None and format(zlib.crc32(data), "x") != crc:
        raise ValueError(f"{path}: data CRC-32 mismatch, the file is corrupt")
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        out[name] = np.frombuffer(data[begin:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"]).copy()
    return out, meta


def write(path, tensors, metadata=None):
    """tensors: {name: numpy array}; float arrays are stored as F32, integer ones as I64."""
    header, chunks, offset = {}, [], 0
    for name, a in tensors.items():
        a = np.asarray(a)
        if np.issubdtype(a.dtype, np.integer):
            a, dtype = a.astype("<i8"), "I64"
        else:
            a, dtype = a.astype("<f4"), "F32"
        b = a.tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    data = b"".join(chunks)
    meta = dict(metadata or {})
    meta["panagrad.crc32"] = format(zlib.crc32(data), "x")
    header["__metadata__"] = meta
    js = json.dumps(header, separators=(",", ":")).encode()
    js += b" " * ((8 - len(js) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)) + js + data)
