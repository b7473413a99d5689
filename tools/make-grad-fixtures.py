"""Reference gradients of the recurrent layers, from PyTorch 1.13 autograd in float64.

Writes test/fixtures/grad/<case>.json (read by test/train/recurrent-grad.test.ts, which needs no
Python). Run with: /usr/bin/python3 tools/make-grad-fixtures.py

Every case is a torch.nn.LSTM / GRU / RNN with weights, inputs, initial states and upstream
gradients drawn as float32 values (so the float32 library and the float64 reference see the same
numbers) and computed in float64. The loss of a pass is
    sum(output * g_output) + sum(h_n * g_h) + sum(c_n * g_c)
(the upstream gradients a caller passes to backward; an absent one is zero), which makes the
gradients of the loss exactly what backward({ output, h, c }) returns. A case with two passes
runs two forward/backward pairs on the same weights, so its parameter gradients are the sums
(PyTorch's .grad accumulation). Packed `lengths` go through pack_padded_sequence
(enforce_sorted=False) and pad_packed_sequence(total_length=T), the library's semantics; the
upstream output gradient is random at padded positions too, where it must be ignored.

Before a case is written, every gradient (of every input, state and parameter) is checked
against central finite differences of the loss in float64 (step 1e-6); a mismatch above
1e-6 * max(1, |gradient|) aborts the script.
"""
import json
import os
import sys

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'grad')


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


class Case:
    def __init__(self, name, module, config, passes, scale=1.0, seed=0, x_scale=1.0):
        self.name, self.module, self.config, self.passes = name, module, config, passes
        self.scale, self.seed, self.x_scale = scale, seed, x_scale


def make_module(module, config):
    c = dict(input_size=config['inputSize'], hidden_size=config['hiddenSize'], num_layers=config.get('numLayers', 1),
             bias=config.get('bias', True), batch_first=config.get('batchFirst', False),
             bidirectional=config.get('bidirectional', False))
    if module == 'LSTM':
        return torch.nn.LSTM(proj_size=config.get('projSize', 0), **c)
    if module == 'GRU':
        return torch.nn.GRU(**c)
    return torch.nn.RNN(nonlinearity=config.get('nonlinearity', 'tanh'), **c)


def run(mod, module, config, p, x, h0, c0):
    """Forward of one pass; returns (output, h_n, c_n or None)."""
    batch_first = config.get('batchFirst', False)
    state = (h0, c0) if module == 'LSTM' else h0
    lengths = p.get('lengths')
    if lengths is not None:
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=False)
        out, st = mod(packed, state)
        t_len = x.shape[1] if batch_first else x.shape[0]
        out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=batch_first, total_length=t_len)
    else:
        out, st = mod(x, state)
    if module == 'LSTM':
        return out, st[0], st[1]
    return out, st, None


def loss_of(out, h, c, g):
    loss = (out * g['output']).sum() if 'output' in g else out.sum() * 0
    if 'h' in g:
        loss = loss + (h * g['h']).sum()
    if 'c' in g and c is not None:
        loss = loss + (c * g['c']).sum()
    return loss


def finite_difference_check(name, f, tensors, grads, eps=1e-6):
    """Central differences of f() in every element of `tensors` against `grads`."""
    worst = 0.0
    with torch.no_grad():
        for t, g in zip(tensors, grads):
            flat = t.view(-1)
            gflat = g.reshape(-1)
            for i in range(flat.numel()):
                old = flat[i].item()
                flat[i] = old + eps
                up = f().item()
                flat[i] = old - eps
                down = f().item()
                flat[i] = old
                fd = (up - down) / (2 * eps)
                err = abs(fd - gflat[i].item()) / max(1.0, abs(gflat[i].item()))
                worst = max(worst, err)
                if err > 1e-6:
                    sys.exit(f'{name}: finite differences disagree with autograd: {fd} vs {gflat[i].item()}')
    return worst


def build(case):
    rng = np.random.default_rng(case.seed)
    module, config = case.module, case.config
    mod = make_module(module, config)
    hs = config['hiddenSize']
    bound = 1 / np.sqrt(hs)
    state_dict = {}
    with torch.no_grad():
        for name, p in mod.named_parameters():
            v = f32(rng.uniform(-bound, bound, size=tuple(p.shape)) * case.scale)
            p.copy_(torch.from_numpy(v))
            state_dict[name] = {'shape': list(p.shape), 'data': v.reshape(-1).tolist()}
    nl = config.get('numLayers', 1)
    nd = 2 if config.get('bidirectional', False) else 1
    ps = config.get('projSize', 0) or hs
    batch_first = config.get('batchFirst', False)
    passes_in = []
    for spec in case.passes:
        t_len, batch = spec['T'], spec.get('B')
        unbatched = batch is None
        if unbatched:
            x_shape, st = [t_len, config['inputSize']], lambda w: [nl * nd, w]
        else:
            x_shape = [batch, t_len, config['inputSize']] if batch_first else [t_len, batch, config['inputSize']]
            st = lambda w: [nl * nd, batch, w]
        out_shape = x_shape[:-1] + [nd * ps]
        p = {'x': f32(rng.uniform(-1, 1, size=x_shape) * case.x_scale)}
        if spec.get('h0', True):
            p['h0'] = f32(rng.uniform(-1, 1, size=st(ps)))
        if module == 'LSTM' and spec.get('c0', True):
            p['c0'] = f32(rng.uniform(-1, 1, size=st(hs)))
        if 'lengths' in spec:
            p['lengths'] = spec['lengths']
        g = {}
        for key in spec.get('grads', ['output', 'h', 'c']):
            if key == 'c' and module != 'LSTM':
                continue
            shape = out_shape if key == 'output' else st(ps if key == 'h' else hs)
            g[key] = f32(rng.uniform(-1, 1, size=shape))
        passes_in.append((p, g, st, unbatched))
    params = list(mod.parameters())

    def tensors_of(p, st):
        x = torch.from_numpy(p['x']).clone().requires_grad_(True)
        h0 = torch.from_numpy(p['h0']).clone() if 'h0' in p else torch.zeros(st(ps))
        c0 = (torch.from_numpy(p['c0']).clone() if 'c0' in p else torch.zeros(st(hs))) if module == 'LSTM' else None
        h0.requires_grad_(True)
        if c0 is not None:
            c0.requires_grad_(True)
        return x, h0, c0

    mod.zero_grad()
    results = []
    for p, g, st, unbatched in passes_in:
        x, h0, c0 = tensors_of(p, st)
        out, h, c = run(mod, module, config, p, x, h0, c0)
        gt = {k: torch.from_numpy(v) for k, v in g.items()}
        loss_of(out, h, c, gt).backward()
        ins = [x, h0] + ([c0] if c0 is not None else [])
        # the gradients of this pass's inputs, checked against finite differences of its loss
        def f(x=x, h0=h0, c0=c0, gt=gt, p=p):
            o, hh, cc = run(mod, module, config, p, x, h0, c0)
            return loss_of(o, hh, cc, gt)
        finite_difference_check(case.name, f, ins, [t.grad for t in ins])
        r = {'output': out.detach().numpy(), 'h': h.detach().numpy(), 'grad_x': x.grad.numpy(), 'grad_h0': h0.grad.numpy()}
        if c is not None:
            r['c'] = c.detach().numpy()
            r['grad_c0'] = c0.grad.numpy()
        results.append(r)
    param_grads = {name: p.grad.detach().clone() for name, p in mod.named_parameters()}

    # the accumulated parameter gradients against finite differences of the summed losses
    def total():
        s = 0
        for p, g, st, _ in passes_in:
            x, h0, c0 = tensors_of(p, st)
            o, hh, cc = run(mod, module, config, p, x, h0, c0)
            s = s + loss_of(o, hh, cc, {k: torch.from_numpy(v) for k, v in g.items()})
        return s
    finite_difference_check(case.name, total, params, [param_grads[n] for n, _ in mod.named_parameters()])

    def arr(a):
        a = np.asarray(a)
        return {'shape': list(a.shape), 'data': a.reshape(-1).tolist()}
    return {
        'name': case.name,
        'module': module,
        'config': config,
        'stateDict': state_dict,
        'passes': [
            {
                'inputs': {k: (v if k == 'lengths' else arr(v)) for k, v in p.items()},
                'grads': {k: arr(v) for k, v in g.items()},
                'expected': {k: arr(v) for k, v in r.items()},
            }
            for (p, g, _, _), r in zip(passes_in, results)
        ],
        'paramGrads': {k: arr(v.numpy()) for k, v in param_grads.items()},
    }


def cases():
    out = []
    one = [{'T': 4, 'B': 3}]
    for module, extra in (('LSTM', {}), ('GRU', {}), ('RNN', {'nonlinearity': 'tanh'}), ('RNN', {'nonlinearity': 'relu'})):
        tag = module.lower() + ('_' + extra['nonlinearity'] if extra else '')
        base = {'inputSize': 3, 'hiddenSize': 5, **extra}
        out.append(Case(f'{tag}_basic', module, base, one, seed=1))
        out.append(Case(f'{tag}_2layer_bidir_batchfirst', module, {**base, 'numLayers': 2, 'bidirectional': True, 'batchFirst': True},
                        [{'T': 5, 'B': 2}], seed=2))
        out.append(Case(f'{tag}_lengths_2layer_bidir', module, {**base, 'numLayers': 2, 'bidirectional': True},
                        [{'T': 5, 'B': 3, 'lengths': [5, 2, 1]}], seed=3))
        out.append(Case(f'{tag}_lengths_batchfirst', module, {**base, 'batchFirst': True},
                        [{'T': 4, 'B': 3, 'lengths': [2, 4, 3]}], seed=4))
        out.append(Case(f'{tag}_nobias_no_h0', module, {**base, 'bias': False}, [{'T': 4, 'B': 2, 'h0': False, 'c0': False}], seed=5))
        out.append(Case(f'{tag}_unbatched', module, {**base, 'numLayers': 2}, [{'T': 4}], seed=6))
        out.append(Case(f'{tag}_accumulate_two_passes', module, {**base, 'bidirectional': True},
                        [{'T': 3, 'B': 2}, {'T': 5, 'B': 1, 'grads': ['output']}], seed=7))
        out.append(Case(f'{tag}_only_h_grad', module, {**base, 'numLayers': 2}, [{'T': 4, 'B': 2, 'grads': ['h']}], seed=8))
        # large weights and inputs: most gates near 0 or 1 (sigmoid) / -1 or 1 (tanh)
        out.append(Case(f'{tag}_saturated', module, base, [{'T': 4, 'B': 3}], scale=6.0, x_scale=4.0, seed=9))
    proj = {'inputSize': 3, 'hiddenSize': 5, 'projSize': 3}
    out.append(Case('lstm_proj', 'LSTM', proj, one, seed=10))
    out.append(Case('lstm_proj_2layer_bidir_lengths', 'LSTM', {**proj, 'numLayers': 2, 'bidirectional': True},
                    [{'T': 5, 'B': 3, 'lengths': [3, 5, 1]}], seed=11))
    out.append(Case('lstm_proj_accumulate_batchfirst', 'LSTM', {**proj, 'batchFirst': True},
                    [{'T': 3, 'B': 2}, {'T': 4, 'B': 2, 'grads': ['c']}], seed=12))
    # the sizes the SIMD paths split at: H = 8 (two vectors, gates a multiple of 8 and 32), 9 (tails)
    out.append(Case('lstm_h8_i9', 'LSTM', {'inputSize': 9, 'hiddenSize': 8}, [{'T': 3, 'B': 5}], seed=13))
    out.append(Case('gru_h9_i8', 'GRU', {'inputSize': 8, 'hiddenSize': 9}, [{'T': 3, 'B': 5}], seed=14))
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    names = []
    for case in cases():
        fx = build(case)
        with open(os.path.join(OUT, case.name + '.json'), 'w') as fh:
            json.dump(fx, fh, separators=(',', ':'))
        names.append(case.name)
        print('wrote', case.name, flush=True)
    with open(os.path.join(OUT, 'index.json'), 'w') as fh:
        json.dump({'torch': torch.__version__, 'cases': names}, fh, indent=1)


if __name__ == '__main__':
    main()
