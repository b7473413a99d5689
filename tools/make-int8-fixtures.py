"""PyTorch 1.13's dynamically quantized LSTM and GRU (torch.ao.quantization.quantize_dynamic,
qint8 weights) as references for wasm-rnn's int8 weights (docs/quantization.md).

Run with Debian's interpreter (torch 1.13):  /usr/bin/python3 tools/make-int8-fixtures.py
Writes test/fixtures/int8/<case>.json: the configuration, each layer-direction's int8 weights
with their scale (per tensor, PyTorch's default qconfig) and float biases, the input and initial
states, PyTorch's quantized outputs (the whole sequence in one call, and for unidirectional
models one time step per call, as a stream), and the float32 model's outputs (the error int8
costs).
"""
import json
import os

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "int8")

CASES = [
    # name, module, input size, hidden, layers, bidirectional, batch_first, T, B, with initial state
    ("lstm_1layer", "LSTM", 5, 8, 1, False, False, 7, 3, False),
    ("lstm_2layer_bidir", "LSTM", 6, 16, 2, True, False, 5, 2, True),
    ("lstm_batchfirst_h40", "LSTM", 12, 40, 1, False, True, 9, 4, True),
    ("gru_1layer", "GRU", 5, 8, 1, False, False, 7, 3, False),
    ("gru_2layer_bidir", "GRU", 7, 12, 2, True, True, 6, 2, True),
]


class Wrap(torch.nn.Module):
    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x, state=None):
        return self.rnn(x, state)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(2026)
    for name, kind, I, H, L, bidir, bf, T, B, with_state in CASES:
        D = 2 if bidir else 1
        cls = torch.nn.LSTM if kind == "LSTM" else torch.nn.GRU
        f = Wrap(cls(I, H, num_layers=L, bidirectional=bidir, batch_first=bf))

        def states(s):
            return {"h": s[0].flatten().tolist(), "c": s[1].flatten().tolist()} if kind == "LSTM" else {"h": s.flatten().tolist()}

        q = torch.ao.quantization.quantize_dynamic(f, {cls}, dtype=torch.qint8)
        x = torch.randn(*((B, T, I) if bf else (T, B, I))) * 1.5 + 0.2
        state = None
        if with_state:
            h0 = torch.randn(L * D, B, H) * 0.5
            state = (h0, torch.randn(L * D, B, H) * 0.5) if kind == "LSTM" else h0
        with torch.no_grad():
            yq, sq = q(x, state)
            yf, sf = f(x, state)
            # unidirectional: one time step per call (a stream), each step's input quantized alone
            steps = None
            if not bidir:
                st, outs = state, []
                for t in range(T):
                    xt = x[:, t : t + 1] if bf else x[t : t + 1]
                    yt, st = q(xt, st)
                    outs.append(yt)
                steps = {"output": torch.cat(outs, 1 if bf else 0).flatten().tolist(), **states(st)}
        layers = []
        for wv in q.rnn._all_weight_values:
            (_, floats, _, _, packed), _ = wv.param.__getstate__()
            b_ih, b_hh = floats
            entry = {}
            for field, p in (("wih", packed[0]), ("whh", packed[1])):
                w, _ = torch.ops.quantized.linear_unpack(p)
                assert w.qscheme() == torch.per_tensor_affine and w.q_zero_point() == 0
                entry[field] = {"q": w.int_repr().flatten().tolist(), "scale": w.q_scale(), "shape": list(w.shape)}
            entry["bih"] = b_ih.detach().flatten().tolist()
            entry["bhh"] = b_hh.detach().flatten().tolist()
            layers.append(entry)

        doc = {
            "producer": "tools/make-int8-fixtures.py",
            "torch": torch.__version__,
            "engine": torch.backends.quantized.engine,
            "kind": kind, "inputSize": I, "hiddenSize": H, "numLayers": L, "bidirectional": bidir, "batchFirst": bf, "T": T, "B": B,
            "layers": layers,
            "x": x.flatten().tolist(),
            "initial": states(state) if state is not None else None,
            "quantized": {"output": yq.flatten().tolist(), **states(sq)},
            "quantizedSteps": steps,
            "float": {"output": yf.flatten().tolist(), **states(sf)},
        }
        with open(os.path.join(OUT, f"{name}.json"), "w") as fh:
            json.dump(doc, fh)
        print(name, "max |quantized - float|", (yq - yf).abs().max().item())


if __name__ == "__main__":
    main()
