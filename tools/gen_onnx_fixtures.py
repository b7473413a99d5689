#!/usr/bin/python3
"""Generates single-node ONNX LSTM / GRU / RNN models over the attribute space, for test/onnx.

Run with Debian's python (it has onnx 1.12 and numpy; the pyenv python3 on PATH does not):

    /usr/bin/python3 tools/gen_onnx_fixtures.py

Writes test/fixtures/onnx/generated/<case>/model.onnx, test_data_set_0/input_N.pb (one per
graph input, in graph order) and meta.json. No expected outputs are stored: the test computes
them with the float64 reference of the ONNX equations in test/onnx/reference-f64.ts and, where
onnxruntime supports the case, cross-checks with onnxruntime-web.

The space: kind (LSTM, GRU, RNN) x direction (forward, reverse, bidirectional) x layout (0, 1),
each with several variants covering clip, every activation (with explicit alpha/beta and with
the spec defaults), sequence_lens (including 0), peepholes (random and all-zero), input_forget,
linear_before_reset 0/1, initial states, bias present/absent, omitted outputs, and weights as
initializers (the fast path can take them) or as graph inputs. Weights are random and different
for every gate, so a wrong gate order cannot pass. Seeds derive from the case name.
"""
import json
import os
import shutil
import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'onnx', 'generated')

GATES = {'LSTM': 4, 'GRU': 3, 'RNN': 1}
N_ACTS = {'LSTM': 3, 'GRU': 2, 'RNN': 1}
ALL_ACTS = ['Relu', 'Tanh', 'Sigmoid', 'Affine', 'LeakyRelu', 'ThresholdedRelu', 'ScaledTanh',
            'HardSigmoid', 'Elu', 'Softsign', 'Softplus']
USES_ALPHA = {'Affine', 'LeakyRelu', 'ThresholdedRelu', 'ScaledTanh', 'HardSigmoid', 'Elu'}
USES_BETA = {'Affine', 'ScaledTanh', 'HardSigmoid'}
# onnxruntime defaults alpha/beta of these to 0 when omitted; the ONNX spec (and wasm-rnn) to
# the ONNX operators' defaults, so such cases are not compared with onnxruntime.
ORT_DEFAULTS_DIFFER = {'Affine', 'ThresholdedRelu', 'ScaledTanh'}


def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def make_case(name, kind, direction, layout, *, acts=None, explicit_ab=True, clip=None,
              seq=None, peep=None, input_forget=0, lbr=None, init_h=False, init_c=False,
              bias=True, outputs=('Y', 'Y_h', 'Y_c'), weights_as='initializer', opset=14,
              T=5, B=3, I=4, H=3):
    rng = rng_for(name)
    D = 2 if direction == 'bidirectional' else 1
    G = GATES[kind]
    f32 = np.float32
    X = rng.uniform(-1.5, 1.5, (B, T, I) if layout else (T, B, I)).astype(f32)
    W = rng.uniform(-1, 1, (D, G * H, I)).astype(f32)
    R = rng.uniform(-1, 1, (D, G * H, H)).astype(f32)
    tensors = {'X': X, 'W': W, 'R': R}
    if bias:
        tensors['B'] = rng.uniform(-0.5, 0.5, (D, 2 * G * H)).astype(f32)
    if seq is not None:
        tensors['sequence_lens'] = np.array(seq, dtype=np.int32)
    sshape = (B, D, H) if layout else (D, B, H)
    if init_h:
        tensors['initial_h'] = rng.uniform(-1, 1, sshape).astype(f32)
    if init_c and kind == 'LSTM':
        tensors['initial_c'] = rng.uniform(-1, 1, sshape).astype(f32)
    if peep is not None and kind == 'LSTM':
        tensors['P'] = (rng.uniform(-1, 1, (D, 3 * H)) if peep == 'random' else np.zeros((D, 3 * H))).astype(f32)

    order = ['X', 'W', 'R', 'B', 'sequence_lens', 'initial_h'] + (['initial_c', 'P'] if kind == 'LSTM' else [])
    node_inputs = [n if n in tensors else '' for n in order]
    while node_inputs and node_inputs[-1] == '':
        node_inputs.pop()
    out_names = ['Y', 'Y_h', 'Y_c'][:2 if kind != 'LSTM' else 3]
    node_outputs = [n if n in outputs else '' for n in out_names]
    while node_outputs and node_outputs[-1] == '':
        node_outputs.pop()

    attrs = {'hidden_size': H, 'direction': direction}
    if layout:
        attrs['layout'] = layout
    ort_ok = True
    if acts is not None:
        attrs['activations'] = acts
        alphas, betas = [], []
        for a in acts:
            if a in USES_ALPHA:
                alphas.append(float(np.float32(rng.uniform(0.3, 1.2))))
            if a in USES_BETA:
                betas.append(float(np.float32(rng.uniform(-0.5, 0.8))))
        if explicit_ab:
            if alphas:
                attrs['activation_alpha'] = alphas
            if betas:
                attrs['activation_beta'] = betas
        elif any(a in ORT_DEFAULTS_DIFFER for a in acts):
            ort_ok = False
    if clip is not None:
        attrs['clip'] = clip
    if kind == 'LSTM' and input_forget:
        attrs['input_forget'] = 1
    if kind == 'GRU' and lbr is not None:
        attrs['linear_before_reset'] = lbr

    node = helper.make_node(kind, node_inputs, node_outputs, name=f'{kind.lower()}_node', **attrs)
    graph_inputs, inits = [], []
    for n in [i for i in node_inputs if i]:
        arr = tensors[n]
        as_init = n in ('W', 'R', 'B', 'P') and weights_as == 'initializer'
        if as_init:
            inits.append(numpy_helper.from_array(arr, n))
        else:
            et = TensorProto.INT32 if arr.dtype == np.int32 else TensorProto.FLOAT
            graph_inputs.append(helper.make_tensor_value_info(n, et, list(arr.shape)))
    out_shapes = {'Y': [B, T, D, H] if layout else [T, D, B, H], 'Y_h': list(sshape), 'Y_c': list(sshape)}
    vi_out = [helper.make_tensor_value_info(n, TensorProto.FLOAT, out_shapes[n]) for n in node_outputs if n]
    graph = helper.make_graph([node], name, graph_inputs, vi_out, initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', opset)], producer_name='gen_onnx_fixtures')
    model.ir_version = 7
    onnx.checker.check_model(model)

    d = os.path.join(ROOT, name)
    os.makedirs(os.path.join(d, 'test_data_set_0'))
    onnx.save(model, os.path.join(d, 'model.onnx'))
    for i, vi in enumerate(graph_inputs):
        t = numpy_helper.from_array(tensors[vi.name], vi.name)
        with open(os.path.join(d, 'test_data_set_0', f'input_{i}.pb'), 'wb') as f:
            f.write(t.SerializeToString())
    meta = {'kind': kind, 'direction': direction, 'layout': layout, 'ortComparable': ort_ok,
            'torchCompatible': is_torch_compatible(kind, acts, clip, input_forget, lbr, peep),
            'weights': weights_as, 'opset': opset,
            # Everything the float64 reference needs, so it does not parse model.onnx itself.
            'attrs': attrs, 'nodeInputs': node_inputs, 'nodeOutputs': node_outputs,
            'tensors': {n: {'shape': list(a.shape), 'dtype': str(a.dtype), 'data': [float(v) if a.dtype == np.float32 else int(v) for v in a.ravel()]}
                        for n, a in tensors.items()}}
    with open(os.path.join(d, 'meta.json'), 'w') as f:
        json.dump(meta, f, sort_keys=True)
    return name


def is_torch_compatible(kind, acts, clip, input_forget, lbr, peep):
    default = {'LSTM': ['Sigmoid', 'Tanh', 'Tanh'], 'GRU': ['Sigmoid', 'Tanh'], 'RNN': ['Tanh']}[kind]
    if acts is not None:
        n = N_ACTS[kind]
        ok = all(a == default[i % n] for i, a in enumerate(acts)) or (kind == 'RNN' and len(set(acts)) == 1 and acts[0] in ('Tanh', 'Relu'))
        if not ok:
            return False
    if clip is not None or input_forget:
        return False
    if kind == 'GRU' and lbr != 1:
        return False
    if peep == 'random':
        return False
    return True


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(ROOT)
    names = []
    k = 0
    for kind in ['LSTM', 'GRU', 'RNN']:
        n = N_ACTS[kind]
        for direction in ['forward', 'reverse', 'bidirectional']:
            D = 2 if direction == 'bidirectional' else 1
            for layout in [0, 1]:
                base = f'{kind.lower()}_{direction[:3]}_l{layout}'
                opset = 14 if layout else [9, 14, 17][k % 3]
                rot = lambda j: ALL_ACTS[(k * 3 + j) % len(ALL_ACTS)]
                # 0: what PyTorch exports (fast path): bias, initial states, lengths, all outputs
                names.append(make_case(f'{base}_torchlike', kind, direction, layout, lbr=1 if kind == 'GRU' else None,
                                       seq=[5, 3, 1], init_h=True, init_c=True, opset=opset,
                                       peep='zero' if kind == 'LSTM' and k % 2 else None))
                # 0b: fast path without bias or initial states, default activations spelled out
                names.append(make_case(f'{base}_plain', kind, direction, layout, acts=({'LSTM': ['Sigmoid', 'Tanh', 'Tanh'], 'GRU': ['Sigmoid', 'Tanh'], 'RNN': ['Tanh']}[kind]) * D,
                                       bias=False, outputs=('Y',), lbr=1 if kind == 'GRU' else None, opset=opset, T=6, B=2, I=5, H=4))
                # 1: clip + rotating activations with explicit alpha/beta, weights as inputs
                names.append(make_case(f'{base}_clip_acts', kind, direction, layout, acts=[rot(j) for j in range(n * D)],
                                       clip=0.8, init_h=True, weights_as='input', opset=opset, lbr=0 if kind == 'GRU' else None))
                # 2: other activations with spec-default alpha/beta, lengths, no bias, Y omitted
                names.append(make_case(f'{base}_defacts', kind, direction, layout, acts=[rot(n * D + j) for j in range(n)] * D,
                                       explicit_ab=False, seq=[2, 5, 4], bias=False, outputs=('Y_h', 'Y_c'), opset=opset,
                                       lbr=1 if kind == 'GRU' else None))
                # 3: cell-specific attributes
                if kind == 'LSTM':
                    names.append(make_case(f'{base}_peep_forget', kind, direction, layout, peep='random', input_forget=1,
                                           init_h=True, init_c=True, seq=[4, 5, 2], outputs=('Y', 'Y_c'), opset=opset))
                    names.append(make_case(f'{base}_peep', kind, direction, layout, peep='random', opset=opset, outputs=('Y',)))
                elif kind == 'GRU':
                    names.append(make_case(f'{base}_lbr0', kind, direction, layout, lbr=0, init_h=True, seq=[3, 5, 5], opset=opset))
                else:
                    names.append(make_case(f'{base}_relu', kind, direction, layout, acts=['Relu'] * D, init_h=True, seq=[1, 4, 5], opset=opset))
                k += 1
        # sequence_lens with a zero (onnxruntime: Y and Y_h zero for that item)
        names.append(make_case(f'{kind.lower()}_bid_zero_len', kind, 'bidirectional', 0, seq=[3, 0, 5], init_h=True, init_c=True,
                               lbr=1 if kind == 'GRU' else None))
        names.append(make_case(f'{kind.lower()}_fwd_zero_len_general', kind, 'forward', 0, seq=[0, 2, 5], clip=2.5, init_h=True))
    print(f'{len(names)} cases in {os.path.relpath(ROOT)}')


if __name__ == '__main__':
    main()
