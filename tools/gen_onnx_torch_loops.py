#!/usr/bin/python3
"""Exports torch.jit.script'ed PyTorch modules whose Python loops become ONNX Loop nodes: reference
fixtures for the importer's Loop support (src/onnx).

Run with Debian's python (torch 1.13 and onnx 1.12; the pyenv python3 on PATH has neither):

    /usr/bin/python3 tools/gen_onnx_torch_loops.py

For each case and opset (14 and 17) writes test/fixtures/onnx/torch-loops/<case>_op<opset>/model.onnx
and two data sets test_data_set_N/input_K.pb / output_K.pb (serialized TensorProtos, as in
test/fixtures/onnx/torch and ONNX's backend node tests) with different sequence lengths / batch
sizes / shapes, so a plan is not specialised to one shape. The expected outputs are PyTorch's own
(the scripted module run in torch, eval mode, float32 CPU), not onnxruntime's.

Cases (each exports at least one Loop; no short-circuit `and`/`break`, so no If nodes). The first
four use no Python lists, so their graphs hold no ONNX sequence ops:
  scripted_rnn_final       hand-written Elman RNN over time, `for t in range(x.size(0))`: inputs
                           x [T, B, 3], h0 [B, 5]; output the final h [B, 5]. A Loop whose trip
                           count is Gather(Shape(x), 0), carrying h, Gather(x, iteration number) in
                           the body, weights read from the outer graph's initializers.
  scripted_while           data-dependent while loop: halve x until max |x| <= 0.3, at most 20
                           times; input x [A, B]; outputs y (float32, x's shape) and iters (int64
                           scalar). A Loop with no real trip count (INT64_MAX) whose condition is
                           computed in the body (Greater & Less -> And). Data set 0 stops on the
                           threshold after several iterations, data set 1 on the 20-iteration cap.
  scripted_lstm_cell_loop  nn.LSTMCell called in a scripted loop over time: inputs x [T, B, 4],
                           h0 [B, 6], c0 [B, 6]; outputs the final h, c [B, 6]. torch exports an
                           ONNX LSTM node (one step) inside the Loop body. (nn.GRUCell and
                           nn.RNNCell do not export from a scripted module in torch 1.13:
                           aten::gru_cell / aten::rnn_tanh_cell have no ONNX symbolic.)
  scripted_gru_loop        a GRU cell written out (two nn.Linear, chunk(3), sigmoid, tanh) in a
                           scripted loop over time: inputs x [T, B, 4], h0 [B, 6]; output the
                           final h [B, 6]. The body holds Gemm, and Shape/Div/Mul/Slice on int64
                           for chunk.

The others build Python lists (List[Tensor]) in scripted code, which torch exports as ONNX sequence
ops (sequence values stay inside the graph: every graph input and output is a tensor):
  scripted_lstm_outputs    nn.LSTMCell in a loop over time appending each step's h to a list
                           (`outs: List[Tensor] = []`, `outs.append(h)`): inputs x [T, B, 4],
                           h0 [B, 6], c0 [B, 6]; outputs y = torch.stack(outs) [T, B, 6] and the
                           final h [B, 6]. SequenceEmpty -> Loop carrying the sequence, SequenceInsert
                           in the body -> ConcatFromSequence(axis=0, new_axis=1).
  scripted_list_cat        a hand-written gated cell (h += sigmoid(.) * (tanh(.) - h)) in a loop
                           appending each h: inputs x [T, B, 3], h0 [B, 5]; outputs
                           y = torch.cat(outs, dim=1) [B, T*5] (ConcatFromSequence(axis=1,
                           new_axis=0)), n = len(outs) (int64 scalar, SequenceLength), last =
                           outs[-1] and first = outs[0] [B, 5] (SequenceAt at -1 and 0).
  scripted_split           inputs x [R, C]; y [R, 2] = sum over p in torch.split(x, 2, dim=1) of
                           tanh(p) * w (w [2]; SplitToSequence with a scalar split, a Loop over its
                           SequenceLength whose body takes SequenceAt of the outer graph's sequence);
                           z [R, 2] = torch.stack of the row means of the pieces of
                           torch.split(x, [1, C - 1], dim=1) (SplitToSequence with a 1-D split
                           computed at run time, a Loop with SequenceAt and SequenceInsert,
                           ConcatFromSequence(axis=1, new_axis=1)). Data set 1 has C = 7, so the
                           last 2-wide piece is 1 wide (broadcast against w, as torch does).
  scripted_list_pop        steps h = tanh(x[t] * a + h * b) appended to a list, then `last =
                           outs.pop()`, `first = outs.pop(0)`: input x [T, B, 3]; outputs
                           y = torch.stack(outs) [T-2, B, 3], last, first [B, 3]. SequenceAt and
                           SequenceErase at -1 and at 0.
  scripted_list_construct  a list literal `[h0]` (SequenceConstruct) carried into a loop that
                           appends each step of an Elman RNN: inputs x [T, B, 3], h0 [B, 4];
                           outputs hs = torch.stack(states) [T+1, B, 4] and the final h [B, 4].
(A list literal that is only stacked or iterated over, `torch.stack([a, b, c])` or `for p in [a, b,
c]`, is unrolled by the exporter into Concat / plain ops, with no SequenceConstruct, so it is not a
case of its own.)

The script prints each graph's op types (sub-graphs included) and the sequence ops' attributes,
checks each model has a Loop and exactly the sequence ops its case expects (per graph: main or
loop bodies), has tensor-typed inputs and outputs only, passes onnx.checker, and - since
onnxruntime is not installed here - that a small numpy evaluator of the exported graph (sequences
as Python lists) reproduces PyTorch's outputs.
"""
import os
import shutil
import warnings
from typing import List

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper
from torch import Tensor

from onnx_test_data import save_set  # tools/onnx_test_data.py

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'onnx', 'torch-loops')
OPSETS = [14, 17]


class ElmanCell(nn.Module):
    """The parameters and step of an Elman RNN cell, written out (what a scripted loop runs)."""

    def __init__(self, inp: int, hidden: int):
        super().__init__()
        self.W_ih = nn.Parameter(torch.randn(hidden, inp) * 0.5)
        self.W_hh = nn.Parameter(torch.randn(hidden, hidden) * 0.4)
        self.b = nn.Parameter(torch.randn(hidden) * 0.1)

    def step(self, x_t: Tensor, h: Tensor) -> Tensor:
        return torch.tanh(x_t @ self.W_ih.t() + h @ self.W_hh.t() + self.b)


class ScriptedRNNFinal(ElmanCell):
    def __init__(self, inp: int = 3, hidden: int = 5):
        super().__init__(inp, hidden)

    def forward(self, x, h0):
        h = h0
        for t in range(x.size(0)):
            h = self.step(x[t], h)
        return h


class ScriptedWhile(nn.Module):
    def __init__(self, thresh: float = 0.3, max_iters: int = 20):
        super().__init__()
        self.thresh = thresh
        self.max_iters = max_iters

    def forward(self, x):
        i = 0
        # `&`, not `and`: a short-circuit `and` exports as an If inside the Loop body
        while bool(x.abs().max() > self.thresh) & (i < self.max_iters):
            x = x * 0.5
            i += 1
        return x, i


class ScriptedLSTMCellLoop(nn.Module):
    def __init__(self, inp: int = 4, hidden: int = 6):
        super().__init__()
        self.cell = nn.LSTMCell(inp, hidden)

    def forward(self, x, h0, c0):
        h, c = h0, c0
        for t in range(x.size(0)):
            h, c = self.cell(x[t], (h, c))
        return h, c


class ScriptedGRULoop(nn.Module):
    def __init__(self, inp: int = 4, hidden: int = 6):
        super().__init__()
        self.ih = nn.Linear(inp, 3 * hidden)
        self.hh = nn.Linear(hidden, 3 * hidden)

    def forward(self, x, h0):
        h = h0
        for t in range(x.size(0)):
            i_r, i_z, i_n = self.ih(x[t]).chunk(3, 1)
            h_r, h_z, h_n = self.hh(h).chunk(3, 1)
            r = torch.sigmoid(i_r + h_r)
            z = torch.sigmoid(i_z + h_z)
            n = torch.tanh(i_n + r * h_n)
            h = (1 - z) * n + z * h
        return h


class ScriptedLSTMOutputs(nn.Module):
    def __init__(self, inp: int = 4, hidden: int = 6):
        super().__init__()
        self.cell = nn.LSTMCell(inp, hidden)

    def forward(self, x, h0, c0):
        h, c = h0, c0
        outs: List[Tensor] = []
        for t in range(x.size(0)):
            h, c = self.cell(x[t], (h, c))
            outs.append(h)
        return torch.stack(outs), h


class ScriptedListCat(nn.Module):
    def __init__(self, inp: int = 3, hidden: int = 5):
        super().__init__()
        self.W_z = nn.Parameter(torch.randn(inp, hidden) * 0.5)
        self.U_z = nn.Parameter(torch.randn(hidden, hidden) * 0.4)
        self.W_n = nn.Parameter(torch.randn(inp, hidden) * 0.5)
        self.U_n = nn.Parameter(torch.randn(hidden, hidden) * 0.4)
        self.b = nn.Parameter(torch.randn(hidden) * 0.1)

    def forward(self, x, h0):
        h = h0
        outs: List[Tensor] = []
        for t in range(x.size(0)):
            z = torch.sigmoid(x[t] @ self.W_z + h @ self.U_z)
            n = torch.tanh(x[t] @ self.W_n + h @ self.U_n + self.b)
            h = h + z * (n - h)
            outs.append(h)
        return torch.cat(outs, dim=1), len(outs), outs[-1], outs[0]


class ScriptedSplit(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(2))

    def forward(self, x):
        y = torch.zeros_like(x[:, :2])
        for p in torch.split(x, 2, dim=1):
            y = y + torch.tanh(p) * self.w
        zs: List[Tensor] = []
        for q in torch.split(x, [1, x.size(1) - 1], dim=1):
            zs.append(q.mean(dim=1))
        return y, torch.stack(zs, 1)


class ScriptedListPop(nn.Module):
    def __init__(self, width: int = 3):
        super().__init__()
        self.a = nn.Parameter(torch.randn(width))
        self.b = nn.Parameter(torch.randn(width) * 0.5)

    def forward(self, x):
        h = torch.zeros_like(x[0])
        outs: List[Tensor] = []
        for t in range(x.size(0)):
            h = torch.tanh(x[t] * self.a + h * self.b)
            outs.append(h)
        last = outs.pop()
        first = outs.pop(0)
        return torch.stack(outs), last, first


class ScriptedListConstruct(ElmanCell):
    def __init__(self, inp: int = 3, hidden: int = 4):
        super().__init__(inp, hidden)

    def forward(self, x, h0):
        h = h0
        states: List[Tensor] = [h0]
        for t in range(x.size(0)):
            h = self.step(x[t], h)
            states.append(h)
        return torch.stack(states), h


def build(name, seed):
    """(module, input names, output names, dynamic axes, [input tuples of data set 0, 1])"""
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed + 1)
    if name == 'scripted_rnn_final':
        m = ScriptedRNNFinal()
        names_in, names_out = ['x', 'h0'], ['h']
        dyn = {'x': {0: 'time', 1: 'batch'}, 'h0': {0: 'batch'}, 'h': {0: 'batch'}}
        sets = [(torch.randn(T, B, 3, generator=g), torch.randn(B, 5, generator=g) * 0.5) for T, B in [(6, 2), (3, 4)]]
    elif name == 'scripted_while':
        m = ScriptedWhile()
        names_in, names_out = ['x'], ['y', 'iters']
        dyn = {'x': {0: 'rows', 1: 'cols'}, 'y': {0: 'rows', 1: 'cols'}}
        # max |x| about 6 -> 5 halvings; about 1e6 -> stopped by the 20-iteration cap
        sets = [(torch.randn(3, 4, generator=g) * 3,), (torch.randn(2, 5, generator=g) * 5e5,)]
    elif name == 'scripted_lstm_cell_loop':
        m = ScriptedLSTMCellLoop()
        names_in, names_out = ['x', 'h0', 'c0'], ['h', 'c']
        dyn = {'x': {0: 'time', 1: 'batch'}, 'h0': {0: 'batch'}, 'c0': {0: 'batch'}, 'h': {0: 'batch'},
               'c': {0: 'batch'}}
        sets = [(torch.randn(T, B, 4, generator=g), torch.randn(B, 6, generator=g) * 0.5,
                 torch.randn(B, 6, generator=g) * 0.5) for T, B in [(5, 2), (7, 3)]]
    elif name == 'scripted_gru_loop':
        m = ScriptedGRULoop()
        names_in, names_out = ['x', 'h0'], ['h']
        dyn = {'x': {0: 'time', 1: 'batch'}, 'h0': {0: 'batch'}, 'h': {0: 'batch'}}
        sets = [(torch.randn(T, B, 4, generator=g), torch.randn(B, 6, generator=g) * 0.5) for T, B in [(6, 2), (2, 5)]]
    elif name == 'scripted_lstm_outputs':
        m = ScriptedLSTMOutputs()
        names_in, names_out = ['x', 'h0', 'c0'], ['y', 'h']
        dyn = {'x': {0: 'time', 1: 'batch'}, 'h0': {0: 'batch'}, 'c0': {0: 'batch'}, 'y': {0: 'time', 1: 'batch'},
               'h': {0: 'batch'}}
        sets = [(torch.randn(T, B, 4, generator=g), torch.randn(B, 6, generator=g) * 0.5,
                 torch.randn(B, 6, generator=g) * 0.5) for T, B in [(5, 2), (8, 3)]]
    elif name == 'scripted_list_cat':
        m = ScriptedListCat()
        names_in, names_out = ['x', 'h0'], ['y', 'n', 'last', 'first']
        # the exporter gives a SequenceAt the ConcatFromSequence's symbolic shape (here [batch, time_x_5]
        # for a [B, 5]): naming every dim of last / first keeps the declared outputs consistent
        dyn = {'x': {0: 'time', 1: 'batch'}, 'h0': {0: 'batch'}, 'y': {0: 'batch', 1: 'time_x_5'},
               'last': {0: 'batch', 1: 'last_dim_1'}, 'first': {0: 'batch', 1: 'first_dim_1'}}
        sets = [(torch.randn(T, B, 3, generator=g), torch.randn(B, 5, generator=g) * 0.5) for T, B in [(4, 2), (7, 3)]]
    elif name == 'scripted_split':
        m = ScriptedSplit()
        names_in, names_out = ['x'], ['y', 'z']
        dyn = {'x': {0: 'rows', 1: 'cols'}, 'y': {0: 'rows'}, 'z': {0: 'rows'}}
        sets = [(torch.randn(3, 6, generator=g),), (torch.randn(4, 7, generator=g),)]
    elif name == 'scripted_list_pop':
        m = ScriptedListPop()
        names_in, names_out = ['x'], ['y', 'last', 'first']
        # as in scripted_list_cat: without names for all their dims, last / first are declared [batch, batch]
        dyn = {'x': {0: 'time', 1: 'batch'}, 'y': {0: 'time_minus_2', 1: 'batch'}, 'last': {0: 'batch', 1: 'last_dim_1'},
               'first': {0: 'batch', 1: 'first_dim_1'}}
        sets = [(torch.randn(T, B, 3, generator=g),) for T, B in [(5, 2), (3, 4)]]
    else:
        assert name == 'scripted_list_construct', name
        m = ScriptedListConstruct()
        names_in, names_out = ['x', 'h0'], ['hs', 'h']
        dyn = {'x': {0: 'time', 1: 'batch'}, 'h0': {0: 'batch'}, 'hs': {0: 'time_plus_1', 1: 'batch'},
               'h': {0: 'batch'}}
        sets = [(torch.randn(T, B, 3, generator=g), torch.randn(B, 4, generator=g) * 0.5) for T, B in [(4, 3), (6, 1)]]
    m.eval()
    return m, names_in, names_out, dyn, sets


def to_numpy(v):
    if isinstance(v, torch.Tensor):
        return v.detach().numpy()
    if isinstance(v, bool):
        return np.array(v)
    if isinstance(v, int):  # a TorchScript int is an ONNX int64 scalar
        return np.array(v, dtype=np.int64)
    return np.array(v, dtype=np.float32)


# --- inspection -------------------------------------------------------------------------------

def graphs(g, path='main'):
    """[(path, graph)] for g and every sub-graph below it"""
    out = [(path, g)]
    for n in g.node:
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                out += graphs(a.g, f'{path}/{n.op_type}({n.name or n.output[0]}).{a.name}')
            for k, sg in enumerate(a.graphs):
                out += graphs(sg, f'{path}/{n.op_type}({n.name or n.output[0]}).{a.name}[{k}]')
    return out


def value_info_str(v):
    t = v.type.tensor_type
    dims = [d.dim_param if d.HasField('dim_param') else (d.dim_value if d.HasField('dim_value') else '?')
            for d in t.shape.dim] if t.HasField('shape') else '?'
    return f'{v.name}: {onnx.TensorProto.DataType.Name(t.elem_type).lower()} {dims}'


# --- a small numpy evaluator for the ops these exports use (onnxruntime is not installed) ------

def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def lstm(X, W, R, B, h, c):
    """ONNX LSTM, forward, default activations, gates i o f c; returns Y, Y_h, Y_c"""
    H = R.shape[-1]
    W, R = W[0], R[0]
    b = B[0][:4 * H] + B[0][4 * H:] if B is not None else np.zeros(4 * H, np.float32)
    h = h[0] if h is not None else np.zeros((X.shape[1], H), np.float32)
    c = c[0] if c is not None else np.zeros((X.shape[1], H), np.float32)
    sig = lambda v: 1 / (1 + np.exp(-v))
    ys = []
    for x in X:
        gates = x @ W.T + h @ R.T + b
        i, o, f, cc = (gates[:, k * H:(k + 1) * H] for k in range(4))
        c = sig(f) * c + sig(i) * np.tanh(cc)
        h = sig(o) * np.tanh(c)
        ys.append(h)
    return np.stack(ys)[:, None], h[None], c[None]


def seq_pos(p, n, hi):
    """an ONNX sequence position (int64 scalar tensor) in [-n, hi] as a list index"""
    p = int(p)
    assert -n <= p <= hi, (p, n)
    return p + n if p < 0 else p


def run_graph(g, feeds, outer=None):
    """the graph's outputs; a sequence value is a Python list of numpy arrays (never mutated)"""
    env = dict(outer or {})
    env.update({t.name: numpy_helper.to_array(t) for t in g.initializer})
    env.update(feeds)
    for n in g.node:
        a = attrs(n)
        x = [env[i] if i else None for i in n.input]
        op = n.op_type
        if op == 'Constant':
            r = [numpy_helper.to_array(a['value'])]
        elif op == 'Identity':
            r = [x[0]]
        elif op == 'Shape':
            r = [np.array(x[0].shape, dtype=np.int64)]
        elif op == 'Gather':
            r = [np.take(x[0], x[1], axis=a.get('axis', 0))]
        elif op == 'MatMul':
            r = [x[0] @ x[1]]
        elif op == 'Gemm':
            A = x[0].T if a.get('transA', 0) else x[0]
            Bm = x[1].T if a.get('transB', 0) else x[1]
            y = a.get('alpha', 1.0) * (A @ Bm)
            r = [y + a.get('beta', 1.0) * x[2] if len(x) > 2 and x[2] is not None else y]
        elif op in ('Add', 'Sub', 'Mul', 'Greater', 'Less', 'And'):
            f = {'Add': np.add, 'Sub': np.subtract, 'Mul': np.multiply, 'Greater': np.greater, 'Less': np.less,
                 'And': np.logical_and}[op]
            r = [f(x[0], x[1])]
        elif op == 'Div':
            r = [(np.trunc(x[0] / x[1]).astype(x[0].dtype) if x[0].dtype.kind in 'iu' else x[0] / x[1])]
        elif op in ('Neg', 'Abs', 'Tanh', 'Sigmoid'):
            f = {'Neg': np.negative, 'Abs': np.abs, 'Tanh': np.tanh, 'Sigmoid': lambda v: 1 / (1 + np.exp(-v))}[op]
            r = [f(x[0])]
        elif op == 'Cast':
            r = [x[0].astype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[a['to']])]
        elif op in ('ReduceMax', 'ReduceMean'):
            axes = tuple(a['axes']) if 'axes' in a else None
            r = [{'ReduceMax': np.max, 'ReduceMean': np.mean}[op](x[0], axis=axes, keepdims=bool(a.get('keepdims', 1)))]
        elif op == 'ConstantOfShape':
            v = numpy_helper.to_array(a['value']) if 'value' in a else np.zeros(1, np.float32)
            r = [np.full(tuple(int(d) for d in x[0]), v.reshape(-1)[0], dtype=v.dtype)]
        # sequences: Python lists
        elif op == 'SequenceEmpty':
            r = [[]]
        elif op == 'SequenceConstruct':
            r = [list(x)]
        elif op == 'SequenceInsert':
            q = list(x[0])
            q.insert(seq_pos(x[2], len(q), len(q)) if len(x) > 2 and x[2] is not None else len(q), x[1])
            r = [q]
        elif op == 'SequenceAt':
            r = [x[0][seq_pos(x[1], len(x[0]), len(x[0]) - 1)]]
        elif op == 'SequenceErase':
            q = list(x[0])
            del q[seq_pos(x[1], len(q), len(q) - 1) if len(x) > 1 and x[1] is not None else -1]
            r = [q]
        elif op == 'SequenceLength':
            r = [np.array(len(x[0]), dtype=np.int64)]
        elif op == 'ConcatFromSequence':
            assert len(x[0]) > 0
            r = [(np.stack if a.get('new_axis', 0) else np.concatenate)(x[0], axis=a['axis'])]
        elif op == 'SplitToSequence':
            ax = a.get('axis', 0)
            ax = ax + x[0].ndim if ax < 0 else ax
            L = x[0].shape[ax]
            if len(x) < 2 or x[1] is None:  # pieces of 1, squeezed unless keepdims
                q = [np.take(x[0], [k], axis=ax) for k in range(L)]
                r = [q if a.get('keepdims', 1) else [np.squeeze(v, ax) for v in q]]
            else:
                sp = x[1]
                sizes = [int(v) for v in sp] if sp.ndim == 1 else [int(sp)] * (L // int(sp)) + (
                    [L % int(sp)] if L % int(sp) else [])
                assert sum(sizes) == L, (sizes, L)
                r = [np.split(x[0], np.cumsum(sizes)[:-1], axis=ax)]
        elif op == 'Unsqueeze':
            y = x[0]
            for ax in sorted(int(v) % (y.ndim + len(x[1])) for v in x[1]):
                y = np.expand_dims(y, ax)
            r = [y]
        elif op == 'Squeeze':
            r = [np.squeeze(x[0], axis=tuple(int(v) for v in x[1]) if len(x) > 1 and x[1] is not None else None)]
        elif op == 'Concat':
            r = [np.concatenate(x, axis=a['axis'])]
        elif op == 'Slice':
            data, starts, ends = x[0], x[1], x[2]
            axes = x[3] if len(x) > 3 and x[3] is not None else range(len(starts))
            steps = x[4] if len(x) > 4 and x[4] is not None else [1] * len(starts)
            sl = [slice(None)] * data.ndim
            for s, e, ax, st in zip(starts, ends, axes, steps):
                sl[int(ax)] = slice(int(s), int(e), int(st))
            r = [data[tuple(sl)]]
        elif op == 'LSTM':
            assert a.get('direction', b'forward') in (b'forward', 'forward') and not a.get('layout', 0)
            assert len(x) < 8 or x[7] is None and (len(x) < 5 or x[4] is None)
            x += [None] * (7 - len(x))
            r = list(lstm(x[0], x[1], x[2], x[3], x[5], x[6]))
        elif op == 'Loop':
            body = a['body']
            M = int(x[0]) if x[0] is not None else None
            cond = bool(x[1]) if x[1] is not None else True
            state = x[2:]
            scans = []
            it = 0
            while cond and (M is None or it < M):
                f = {body.input[0].name: np.array(it, dtype=np.int64), body.input[1].name: np.array(cond)}
                f.update({bi.name: v for bi, v in zip(body.input[2:], state)})
                outs = run_graph(body, f, env)
                cond = bool(outs[0])
                state = outs[1:1 + len(state)]
                scans.append(outs[1 + len(state):])
                it += 1
            k = len(n.output) - len(state)
            r = state + [np.stack([s[j] for s in scans]) for j in range(k)]
        else:
            raise NotImplementedError(op)
        for name, v in zip(n.output, r):
            if name:
                env[name] = v if isinstance(v, list) else np.asarray(v)
    return [env[o.name] for o in g.output]


# --- main -------------------------------------------------------------------------------------

CASES = ['scripted_rnn_final', 'scripted_while', 'scripted_lstm_cell_loop', 'scripted_gru_loop',
         'scripted_lstm_outputs', 'scripted_list_cat', 'scripted_split', 'scripted_list_pop', 'scripted_list_construct']

# the sequence ops each case's export must hold, in the main graph and in its (Loop body) sub-graphs:
# exactly these, no others
SEQ_OPS = {
    'scripted_lstm_outputs': ({'SequenceEmpty', 'ConcatFromSequence'}, {'SequenceInsert'}),
    'scripted_list_cat': ({'SequenceEmpty', 'SequenceLength', 'SequenceAt', 'ConcatFromSequence'}, {'SequenceInsert'}),
    'scripted_split': ({'SplitToSequence', 'SequenceLength', 'SequenceEmpty', 'ConcatFromSequence'},
                       {'SequenceAt', 'SequenceInsert'}),
    'scripted_list_pop': ({'SequenceEmpty', 'SequenceAt', 'SequenceErase', 'ConcatFromSequence'}, {'SequenceInsert'}),
    'scripted_list_construct': ({'SequenceConstruct', 'ConcatFromSequence'}, {'SequenceInsert'}),
}


def is_seq_op(op):
    return op.startswith('Sequence') or op in ('ConcatFromSequence', 'SplitToSequence')


def main():
    warnings.filterwarnings('ignore')  # the exporter's TracerWarnings / scripting notes
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(ROOT)
    for seed, name in enumerate(CASES):
        for opset in OPSETS:
            m, names_in, names_out, dyn, sets = build(name, 300 + seed)
            d = os.path.join(ROOT, f'{name}_op{opset}')
            os.makedirs(d)
            path = os.path.join(d, 'model.onnx')
            sm = torch.jit.script(m)
            with torch.no_grad():
                torch.onnx.export(sm, sets[0], path, opset_version=opset, input_names=names_in,
                                  output_names=names_out, dynamic_axes=dyn, do_constant_folding=True)
                model = onnx.load(path)
                onnx.checker.check_model(model)
                print(f'== {os.path.relpath(d)}  ({os.path.getsize(path)} bytes)')
                print('  inputs: ', '; '.join(value_info_str(v) for v in model.graph.input))
                print('  outputs:', '; '.join(value_info_str(v) for v in model.graph.output))
                assert all(v.type.HasField('tensor_type') for v in list(model.graph.input) + list(model.graph.output))
                all_ops, seq_main, seq_sub = set(), set(), set()
                for p, gr in graphs(model.graph):
                    ops = sorted({nd.op_type for nd in gr.node})
                    all_ops.update(ops)
                    (seq_main if p == 'main' else seq_sub).update(o for o in ops if is_seq_op(o))
                    print(f'  {p}: {", ".join(ops)}')
                    seq_nodes = [f'{nd.op_type}(' + ', '.join(f'{k}={v}' for k, v in attrs(nd).items()) + ')'
                                 for nd in gr.node if is_seq_op(nd.op_type) and nd.attribute]
                    if seq_nodes:
                        print(f'    {"; ".join(seq_nodes)}')
                assert 'Loop' in all_ops, f'{name} op{opset}: no Loop node'
                assert 'If' not in all_ops, all_ops
                want_main, want_sub = SEQ_OPS.get(name, (set(), set()))
                assert (seq_main, seq_sub) == (want_main, want_sub), (name, opset, seq_main, seq_sub)
                for i, ins in enumerate(sets):
                    outs = sm(*ins)
                    outs = outs if isinstance(outs, tuple) else (outs,)
                    ins_np = [(n, t.numpy()) for n, t in zip(names_in, ins)]
                    outs_np = [(n, to_numpy(v)) for n, v in zip(names_out, outs)]
                    # the eager module gives the same as the scripted one
                    eager = m(*ins)
                    eager = eager if isinstance(eager, tuple) else (eager,)
                    for (n, v), e in zip(outs_np, eager):
                        np.testing.assert_allclose(v, to_numpy(e), rtol=1e-6, atol=1e-6, err_msg=n)
                    # and the exported graph, run by the numpy evaluator, gives PyTorch's outputs
                    got = run_graph(model.graph, dict(ins_np))
                    for (n, want), g in zip(outs_np, got):
                        assert g.dtype == want.dtype and g.shape == want.shape, (n, g.dtype, g.shape, want.dtype, want.shape)
                        np.testing.assert_allclose(g, want, rtol=1e-5, atol=1e-5, err_msg=f'{name} op{opset} {n}')
                    save_set(d, i, ins_np, outs_np)
                    print(f'  test_data_set_{i}: ' + ', '.join(f'{n} {list(a.shape)}' for n, a in ins_np) + ' -> ' +
                          ', '.join(f'{n} {a.dtype} {list(a.shape)}' + (f' = {a}' if a.ndim == 0 else '')
                                    for n, a in outs_np))


if __name__ == '__main__':
    main()
