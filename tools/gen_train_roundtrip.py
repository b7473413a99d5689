"""Loads the weights wasm-rnn trained (tools/train-roundtrip.mjs wrote
test/fixtures/train/roundtrip-<model>.safetensors with writeSafetensors(model.stateDict())) into
the matching torch.nn modules with load_state_dict(strict=True), unchanged, and runs them on
seeded inputs in float64 and float32. Writes test/fixtures/train/roundtrip-torch.json:
  models.<name>: state_dict_keys (PyTorch's, in order), input {shape, data}, float64 / float32
  outputs (flat, the Sequential's output layout), max_abs_f32_vs_f64.
test/train/torch-roundtrip.test.ts runs wasm-rnn on the same files and inputs and compares.

  /usr/bin/python3 tools/gen_train_roundtrip.py     (PyTorch 1.13)
"""
import json
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_safetensors import read_safetensors  # noqa: E402

FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "train")
VOCAB = 16


class TokenLM(nn.Module):
    """Embedding -> recurrent -> Linear, the recurrent layer's output sequence only (as Sequential)."""

    def __init__(self, rec_name, rec, head):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, 6)
        self.rec_name = rec_name
        setattr(self, rec_name, rec)
        self.head = head

    def forward(self, ids):
        y, _ = getattr(self, self.rec_name)(self.emb(ids))
        return self.head(y)


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(5, 8, nonlinearity="relu", bidirectional=True, bias=False, batch_first=True)
        self.head = nn.Linear(16, 3)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.head(y)


def make(name):
    if name == "lstm":
        return TokenLM("lstm", nn.LSTM(6, 10, num_layers=2, bidirectional=True, proj_size=4), nn.Linear(8, VOCAB))
    if name == "gru":
        return TokenLM("gru", nn.GRU(6, 10, num_layers=2, batch_first=True), nn.Linear(10, VOCAB))
    return Regressor()


def model_input(name, rng):
    # other sizes than the training batches (T 7, B 3): T 9, B 2
    if name == "lstm":
        return torch.from_numpy(rng.integers(0, VOCAB, size=(9, 2)).astype(np.int64))
    if name == "gru":
        return torch.from_numpy(rng.integers(0, VOCAB, size=(2, 9)).astype(np.int64))
    return torch.from_numpy(rng.uniform(-1, 1, size=(2, 9, 5)).astype(np.float32))


def main():
    rng = np.random.default_rng(16)
    out = {"torch": torch.__version__, "models": {}}
    for name in ["lstm", "gru", "rnn"]:
        sd, meta = read_safetensors(os.path.join(FIX, f"roundtrip-{name}.safetensors"))
        m32 = make(name)
        m32.load_state_dict(sd, strict=True)  # unchanged: no renaming, reshaping or conversion
        m32.eval()
        m64 = make(name).double()
        m64.load_state_dict({k: v.double() for k, v in sd.items()}, strict=True)
        m64.eval()
        x = model_input(name, rng)
        with torch.no_grad():
            y32 = m32(x)
            y64 = m64(x if x.dtype == torch.int64 else x.double())
        out["models"][name] = {
            "state_dict_keys": list(m32.state_dict().keys()),
            "trained_with": meta,
            "input": {"shape": list(x.shape), "data": x.reshape(-1).tolist(), "dtype": "int64" if x.dtype == torch.int64 else "float32"},
            "output_shape": list(y64.shape),
            "float64": y64.reshape(-1).tolist(),
            "float32": y32.reshape(-1).tolist(),
            "max_abs_f32_vs_f64": float((y32.double() - y64).abs().max()),
        }
        print(name, list(y64.shape), "max |f32 - f64|", out["models"][name]["max_abs_f32_vs_f64"], "max |y|", float(y64.abs().max()))
    with open(os.path.join(FIX, "roundtrip-torch.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
