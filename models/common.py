"""Shared helpers of the demo-model training scripts (run with Debian's /usr/bin/python3, torch 1.13).

Every script writes two files:
  models/<name>.safetensors              the trained weights under PyTorch state_dict names, plus
                                         __metadata__["wasm_rnn"]: the architecture as JSON that
                                         wasm-rnn's loadModel() turns into a Sequential
  test/fixtures/models/<name>.safetensors PyTorch's outputs on fixed inputs (the conformance
                                         reference of test/model/demo-models.test.ts)
The `safetensors` Python package is not needed: the writer below follows the format spec.
"""
import json
import os
import struct

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
MODELS = os.path.join(ROOT, "models")
FIXTURES = os.path.join(ROOT, "test", "fixtures", "models")

DTYPE = {torch.float32: ("F32", 4), torch.int32: ("I32", 4), torch.int64: ("I64", 8)}


def setup(seed):
    # 2 threads as the budget says; TRAIN_THREADS=1 is faster on a loaded 2-core machine
    torch.set_num_threads(int(os.environ.get("TRAIN_THREADS", "2")))
    torch.manual_seed(seed)


def write_safetensors(path, tensors, metadata=None):
    """tensors: dict name -> tensor (float32 / int32 / int64). Larger dtypes first, then by name
    (the reference implementation's order), header padded to 8 bytes so every tensor is aligned."""
    items = sorted(tensors.items(), key=lambda kv: (-DTYPE[kv[1].dtype][1], kv[0]))
    header = {}
    if metadata:
        header["__metadata__"] = {k: (v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))) for k, v in metadata.items()}
    blobs, offset = [], 0
    for name, t in items:
        b = t.detach().contiguous().cpu().numpy().astype(t.detach().numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": DTYPE[t.dtype][0], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((-len(h)) % 8)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    return os.path.getsize(path)


def save_model(name, model, config):
    """Weights (float32) + architecture metadata; returns (path, bytes, parameter count)."""
    sd = {k: v.float() for k, v in model.state_dict().items()}
    path = os.path.join(MODELS, name + ".safetensors")
    size = write_safetensors(path, sd, {"format": "pt", "wasm_rnn": config})
    return path, size, sum(v.numel() for v in sd.values())


def save_reference(name, tensors, metadata=None):
    path = os.path.join(FIXTURES, name + ".safetensors")
    write_safetensors(path, tensors, {"producer": "models/train_%s.py" % name, **(metadata or {})})
    return path
