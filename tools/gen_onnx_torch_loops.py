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

Cases (each exports at least one Loop; no Python lists in the loops, so no ONNX sequence ops, and
no short-circuit `and`/`break`, so no If nodes):
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

The script prints each graph's op types (sub-graphs included) and checks each model has a Loop,
passes onnx.checker, and - since onnxruntime is not installed here - that a small numpy evaluator
of the exported graph reproduces PyTorch's outputs.
"""
import os
import shutil
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'onnx', 'torch-loops')
OPSETS = [14, 17]


class ScriptedRNNFinal(nn.Module):
    def __init__(self, inp: int = 3, hidden: int = 5):
        super().__init__()
        self.W_ih = nn.Parameter(torch.randn(hidden, inp) * 0.5)
        self.W_hh = nn.Parameter(torch.randn(hidden, hidden) * 0.4)
        self.b = nn.Parameter(torch.randn(hidden) * 0.1)

    def forward(self, x, h0):
        h = h0
        for t in range(x.size(0)):
            h = torch.tanh(x[t] @ self.W_ih.t() + h @ self.W_hh.t() + self.b)
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
    else:
        m = ScriptedGRULoop()
        names_in, names_out = ['x', 'h0'], ['h']
        dyn = {'x': {0: 'time', 1: 'batch'}, 'h0': {0: 'batch'}, 'h': {0: 'batch'}}
        sets = [(torch.randn(T, B, 4, generator=g), torch.randn(B, 6, generator=g) * 0.5) for T, B in [(6, 2), (2, 5)]]
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


def save_set(d, idx, inputs, outputs):
    sd = os.path.join(d, f'test_data_set_{idx}')
    os.makedirs(sd)
    for k, (n, a) in enumerate(inputs):
        with open(os.path.join(sd, f'input_{k}.pb'), 'wb') as f:
            f.write(numpy_helper.from_array(a, n).SerializeToString())
    for k, (n, a) in enumerate(outputs):
        with open(os.path.join(sd, f'output_{k}.pb'), 'wb') as f:
            f.write(numpy_helper.from_array(a, n).SerializeToString())


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


def run_graph(g, feeds, outer=None):
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
        elif op == 'ReduceMax':
            axes = tuple(a['axes']) if 'axes' in a else None
            r = [np.max(x[0], axis=axes, keepdims=bool(a.get('keepdims', 1)))]
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
                env[name] = np.asarray(v)
    return [env[o.name] for o in g.output]


# --- main -------------------------------------------------------------------------------------

CASES = ['scripted_rnn_final', 'scripted_while', 'scripted_lstm_cell_loop', 'scripted_gru_loop']


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
                all_ops = set()
                for p, gr in graphs(model.graph):
                    ops = sorted({nd.op_type for nd in gr.node})
                    all_ops.update(ops)
                    print(f'  {p}: {", ".join(ops)}')
                assert 'Loop' in all_ops, f'{name} op{opset}: no Loop node'
                assert not any(o.startswith('Sequence') or o.endswith('FromSequence') or o == 'If' for o in all_ops), all_ops
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
