#!/usr/bin/python3
"""Exports torch.jit.script'ed PyTorch modules with an `Optional[Tensor]` argument: reference
fixtures for the importer's optional tensors (src/onnx/ops/optional.ts).

    /usr/bin/python3 tools/gen_onnx_torch_optional.py      (torch 1.13, onnx 1.12: Debian's python)

The exporter declares such an argument as an optional graph input and writes `if h is None` as
OptionalHasElement -> Not -> If, the else branch reading the tensor with OptionalGetElement.
For each case and opset (16 and 17) it writes test/fixtures/onnx/torch-optional/<case>_op<opset>/
model.onnx and two data sets (serialized TensorProtos): test_data_set_0 feeds every input,
test_data_set_1 only the first (the optional state left out: run() sees an empty optional). The
expected outputs are PyTorch's own (the scripted module, h given and h = None).

Cases:
  rnn_optional_state   Elman RNN cell written out over time; h0 zeros when not given.
  gru_optional_state   nn.GRUCell-like cell written out (GRUCell itself does not export when
                       scripted in torch 1.13) over time; h0 from a learned vector when not given.
"""
import os
import shutil
import warnings
from typing import Optional

import numpy as np
import onnx
import torch
from torch import nn

from onnx_test_data import save_set  # tools/onnx_test_data.py

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'onnx', 'torch-optional')
OPSETS = [16, 17]


class RNNOptionalState(nn.Module):
    def __init__(self):
        super().__init__()
        self.ih = nn.Linear(4, 6)
        self.hh = nn.Linear(6, 6, bias=False)

    def forward(self, x: torch.Tensor, h: Optional[torch.Tensor] = None):
        if h is None:
            h = torch.zeros(x.size(1), 6)
        for t in range(x.size(0)):
            h = torch.tanh(self.ih(x[t]) + self.hh(h))
        return h


class GRUOptionalState(nn.Module):
    def __init__(self):
        super().__init__()
        self.ih = nn.Linear(3, 15)
        self.hh = nn.Linear(5, 15)
        self.h_init = nn.Parameter(torch.randn(5) * 0.3)

    def forward(self, x: torch.Tensor, h: Optional[torch.Tensor] = None):
        if h is None:
            h = self.h_init.unsqueeze(0).expand(x.size(1), 5)
        for t in range(x.size(0)):
            gi = self.ih(x[t])
            gh = self.hh(h)
            r = torch.sigmoid(gi[:, 0:5] + gh[:, 0:5])
            z = torch.sigmoid(gi[:, 5:10] + gh[:, 5:10])
            n = torch.tanh(gi[:, 10:15] + r * gh[:, 10:15])
            h = (1 - z) * n + z * h
        return h


def build(name, g):
    if name == 'rnn_optional_state':
        return RNNOptionalState(), (torch.randn(5, 2, 4, generator=g), torch.randn(2, 6, generator=g) * 0.5), (torch.randn(3, 3, 4, generator=g),)
    assert name == 'gru_optional_state', name
    return GRUOptionalState(), (torch.randn(6, 2, 3, generator=g), torch.randn(2, 5, generator=g) * 0.5), (torch.randn(4, 1, 3, generator=g),)


def op_types(g):
    ops = set()
    for nd in g.node:
        ops.add(nd.op_type)
        for a in nd.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                ops |= op_types(a.g)
    return ops


def main():
    warnings.filterwarnings('ignore')
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(ROOT)
    for seed, name in enumerate(['rnn_optional_state', 'gru_optional_state']):
        for opset in OPSETS:
            torch.manual_seed(500 + seed)
            m, full, partial = build(name, torch.Generator().manual_seed(600 + seed))
            m.eval()
            sm = torch.jit.script(m)
            d = os.path.join(ROOT, f'{name}_op{opset}')
            os.makedirs(d)
            path = os.path.join(d, 'model.onnx')
            with torch.no_grad():
                torch.onnx.export(sm, full, path, opset_version=opset, input_names=['x', 'h0'], output_names=['h'],
                                  dynamic_axes={'x': {0: 'time', 1: 'batch'}, 'h0': {0: 'batch'}, 'h': {0: 'batch'}})
                model = onnx.load(path)
                onnx.checker.check_model(model)
                assert model.graph.input[1].type.HasField('optional_type'), model.graph.input[1].type
                ops = op_types(model.graph)
                assert {'OptionalHasElement', 'OptionalGetElement', 'If', 'Loop'} <= ops, ops
                print(f'== {os.path.relpath(d)}: {", ".join(sorted(ops))}')
                for i, ins in enumerate([full, partial]):
                    out = sm(*ins)
                    eager = m(*ins)
                    np.testing.assert_allclose(out.numpy(), eager.numpy(), rtol=1e-6, atol=1e-6)
                    save_set(d, i, [(n, t.numpy()) for n, t in zip(['x', 'h0'], ins)], [('h', out.numpy())])
                    print(f'  test_data_set_{i}: ' + ', '.join(f'{list(t.shape)}' for t in ins) + f' -> h {list(out.shape)}')


if __name__ == '__main__':
    main()
