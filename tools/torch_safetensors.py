"""Reading and writing safetensors files with torch alone (the `safetensors` package is not
installed here): an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
shape and byte range, then the bytes. Used by the fixture generators of tools/."""
import json
import struct

import numpy as np
import torch

DTYPES = {"F32": (np.float32, torch.float32), "F64": (np.float64, torch.float64), "I32": (np.int32, torch.int32), "I64": (np.int64, torch.int64)}
NAMES = {t: name for name, (_, t) in DTYPES.items()}


def read_safetensors(path):
    """(ordered dict name -> tensor, metadata dict) of the file at `path`."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    body = raw[8 + n :]
    out = {}
    for name, h in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        np_type, _ = DTYPES[h["dtype"]]
        a, b = h["data_offsets"]
        arr = np.frombuffer(body[a:b], dtype=np.dtype(np_type).newbyteorder("<")).reshape(h["shape"])
        out[name] = torch.from_numpy(arr.astype(np_type, copy=True))
    return out, metadata


DTYPE_NAME = {
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.float32: "F32",
    torch.float64: "F64",
    torch.int32: "I32",
    torch.int64: "I64",
    torch.bool: "BOOL",
}


def tensor_bytes(t):
    """The little-endian bytes of `t` (bfloat16 through its 16-bit pattern; numpy has no bfloat16)."""
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    a = t.numpy()
    return a.astype(a.dtype.newbyteorder("<")).tobytes()


def write_safetensors(path, tensors, metadata=None, pad=True):
    """tensors: list of (name, tensor), laid out in this order; `pad` spaces the header to 8 bytes."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name, t in tensors:
        b = tensor_bytes(t)
        header[name] = {"dtype": DTYPE_NAME[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    if pad:
        h += b" " * ((-len(h)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
