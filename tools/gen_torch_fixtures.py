#!/usr/bin/python3
"""Generates the real-PyTorch conformance fixtures in test/fixtures/torch/.

Run with Debian's python (it has torch; the pyenv python3 on PATH does not):

    /usr/bin/python3 tools/gen_torch_fixtures.py

Each case becomes one `<case>.safetensors` file (written by hand here: the python
`safetensors` package is not installed) holding

  * the torch module's state_dict under its exact keys (weight_ih_l0, ..., *_reverse),
  * `input.x`, optionally `input.h0`, `input.c0` (F32) and `input.lengths` (I64),
  * `output.output`, `output.h`, `output.c` (c only for LSTM),
  * `__metadata__` = {"module": "LSTM"|"GRU"|"RNN", "config": JSON of the layer options in
    wasm-rnn's camelCase names, "lengths": "1" when lengths are used, "case": name}.

Everything is computed by the real nn.LSTM / nn.GRU / nn.RNN on torch's default CPU float32
path; when lengths are used the input goes through pack_padded_sequence(enforce_sorted=False)
and the output through pad_packed_sequence(total_length=T), exactly as a torch user would.
Seeds are derived from the case name, so re-running reproduces the files byte for byte (on the
same torch build) and adding a case does not change the others.
"""
import json
import os
import struct
import sys
import zlib

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'torch')

torch.set_default_dtype(torch.float32)
torch.set_num_threads(1)


# ---------------------------------------------------------------------------------------------
# safetensors writer (format: u64 LE header length, JSON header, raw little-endian data)
# ---------------------------------------------------------------------------------------------

def write_safetensors(path, tensors, metadata):
    header = {}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        if t.dtype == torch.float32:
            dtype = 'F32'
        elif t.dtype == torch.int64:
            dtype = 'I64'
        else:
            raise TypeError(f'{name}: unsupported dtype {t.dtype}')
        raw = t.numpy().astype(t.numpy().dtype.newbyteorder('<'), copy=False).tobytes()
        header[name] = {'dtype': dtype, 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    header['__metadata__'] = {k: str(v) for k, v in metadata.items()}
    hbytes = json.dumps(header, separators=(',', ':'), sort_keys=True).encode('utf-8')
    hbytes += b' ' * ((8 - len(hbytes) % 8) % 8)  # pad so the data buffer is 8-byte aligned
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(hbytes)))
        f.write(hbytes)
        for c in chunks:
            f.write(c)


# ---------------------------------------------------------------------------------------------
# cases
# ---------------------------------------------------------------------------------------------

KINDS = {
    'lstm': ('LSTM', {}),
    'gru': ('GRU', {}),
    'rnn_tanh': ('RNN', {'nonlinearity': 'tanh'}),
    'rnn_relu': ('RNN', {'nonlinearity': 'relu'}),
}

BASE = dict(inputSize=4, hiddenSize=6, numLayers=1, bias=True, batchFirst=False, bidirectional=False)
BASE_RUN = dict(T=5, B=3, unbatched=False, lengths=None, h0=False, scale=1.0)

# name -> (config overrides, run overrides). Applied to all four kinds.
COMMON = {
    'default': ({}, {}),
    'layers2': ({'numLayers': 2}, {}),
    'layers3': ({'numLayers': 3}, {}),
    'bidir': ({'bidirectional': True}, {}),
    'batchfirst': ({'batchFirst': True}, {}),
    'nobias': ({'bias': False}, {}),
    'lengths': ({}, {'T': 6, 'B': 4, 'lengths': [3, 6, 1, 5]}),
    'lengths_bidir': ({'bidirectional': True}, {'T': 6, 'B': 4, 'lengths': [3, 6, 1, 5]}),
    'h0': ({}, {'h0': True}),
    'h0_bidir_layers2': ({'bidirectional': True, 'numLayers': 2}, {'h0': True}),
    'unbatched': ({}, {'unbatched': True}),
    'unbatched_bidir_layers2_h0': ({'bidirectional': True, 'numLayers': 2}, {'unbatched': True, 'h0': True}),
    'batch1': ({}, {'B': 1}),
    'batch5': ({}, {'B': 5}),
    'in3_h5': ({'inputSize': 3, 'hiddenSize': 5}, {}),
    'h7': ({'hiddenSize': 7}, {}),
    'h13': ({'inputSize': 3, 'hiddenSize': 13}, {}),
    'h4': ({'hiddenSize': 4}, {}),
    'h8': ({'hiddenSize': 8}, {}),
    'h9': ({'hiddenSize': 9}, {}),
    'h16': ({'inputSize': 16, 'hiddenSize': 16}, {}),
    'h17': ({'inputSize': 17, 'hiddenSize': 17}, {}),
    'in1_h1': ({'inputSize': 1, 'hiddenSize': 1}, {}),
    't1': ({}, {'T': 1}),
    't1_bidir': ({'bidirectional': True}, {'T': 1}),
    'saturate': ({}, {'scale': 6.0}),
    'saturate_bidir_layers2': ({'bidirectional': True, 'numLayers': 2}, {'scale': 6.0, 'h0': True}),
    'bidir_batchfirst_layers2': ({'bidirectional': True, 'batchFirst': True, 'numLayers': 2}, {}),
    'nobias_bidir_layers2': ({'bias': False, 'bidirectional': True, 'numLayers': 2}, {}),
    'lengths_batchfirst_h0': ({'batchFirst': True}, {'T': 6, 'B': 4, 'lengths': [3, 6, 1, 5], 'h0': True}),
    'combined': (
        {'numLayers': 3, 'bidirectional': True, 'batchFirst': True, 'inputSize': 5, 'hiddenSize': 9},
        {'T': 7, 'B': 5, 'lengths': [4, 7, 1, 2, 6], 'h0': True},
    ),
}

# LSTM-only cases.
LSTM_ONLY = {
    'proj': ({'hiddenSize': 8, 'projSize': 3}, {}),
    'proj_h0': ({'hiddenSize': 7, 'projSize': 5}, {'h0': True}),
    'proj_bidir_layers2': ({'hiddenSize': 9, 'projSize': 4, 'bidirectional': True, 'numLayers': 2}, {}),
    'proj_lengths_bidir': ({'hiddenSize': 6, 'projSize': 2, 'bidirectional': True}, {'T': 6, 'B': 4, 'lengths': [3, 6, 1, 5]}),
    'proj_unbatched_h0': ({'hiddenSize': 5, 'projSize': 1, 'numLayers': 2}, {'unbatched': True, 'h0': True}),
    'combined_proj': (
        {'numLayers': 3, 'bidirectional': True, 'batchFirst': True, 'inputSize': 5, 'hiddenSize': 11, 'projSize': 6},
        {'T': 7, 'B': 5, 'lengths': [4, 7, 1, 2, 6], 'h0': True},
    ),
    'large': (
        {'inputSize': 128, 'hiddenSize': 256, 'numLayers': 2, 'bidirectional': True},
        {'T': 20, 'B': 3},
    ),
}


def all_cases():
    for kind, (module, extra) in KINDS.items():
        for name, (cfg, run) in COMMON.items():
            yield f'{kind}_{name}', module, {**BASE, **extra, **cfg}, {**BASE_RUN, **run}
        if module == 'LSTM':
            for name, (cfg, run) in LSTM_ONLY.items():
                c = {**BASE, 'projSize': 0, **cfg}
                yield f'{kind}_{name}', module, c, {**BASE_RUN, **run}


def build_module(module, cfg):
    kw = dict(input_size=cfg['inputSize'], hidden_size=cfg['hiddenSize'], num_layers=cfg['numLayers'],
              bias=cfg['bias'], batch_first=cfg['batchFirst'], bidirectional=cfg['bidirectional'])
    if module == 'LSTM':
        return nn.LSTM(proj_size=cfg.get('projSize', 0), **kw)
    if module == 'GRU':
        return nn.GRU(**kw)
    return nn.RNN(nonlinearity=cfg['nonlinearity'], **kw)


def make_case(name, module, cfg, run):
    seed = zlib.crc32(name.encode('utf-8'))
    torch.manual_seed(seed)
    m = build_module(module, cfg).eval()
    if run['scale'] != 1.0:
        with torch.no_grad():
            for p in m.parameters():
                p.mul_(run['scale'])

    T, B, I = run['T'], run['B'], cfg['inputSize']
    H = cfg['hiddenSize']
    P = cfg.get('projSize', 0) or H
    D = 2 if cfg['bidirectional'] else 1
    L = cfg['numLayers']

    if run['unbatched']:
        x = torch.randn(T, I)
    elif cfg['batchFirst']:
        x = torch.randn(B, T, I)
    else:
        x = torch.randn(T, B, I)
    tensors = {k: v for k, v in m.state_dict().items()}
    tensors['input.x'] = x

    state_shape = [L * D] + ([] if run['unbatched'] else [B])
    hx = None
    if run['h0']:
        h0 = torch.randn(*state_shape, P)
        tensors['input.h0'] = h0
        if module == 'LSTM':
            c0 = torch.randn(*state_shape, H)
            tensors['input.c0'] = c0
            hx = (h0, c0)
        else:
            hx = h0

    with torch.no_grad():
        if run['lengths'] is not None:
            lengths = torch.tensor(run['lengths'], dtype=torch.int64)
            assert len(run['lengths']) == B and max(run['lengths']) == T and min(run['lengths']) == 1
            packed = pack_padded_sequence(x, lengths, batch_first=cfg['batchFirst'], enforce_sorted=False)
            out_packed, state = m(packed, hx)
            out, _ = pad_packed_sequence(out_packed, batch_first=cfg['batchFirst'], total_length=T)
            tensors['input.lengths'] = lengths
        else:
            out, state = m(x, hx)

    tensors['output.output'] = out
    if module == 'LSTM':
        tensors['output.h'], tensors['output.c'] = state
    else:
        tensors['output.h'] = state

    for k, v in tensors.items():
        if v.dtype == torch.float32:
            assert torch.isfinite(v).all(), f'{name}: {k} is not finite'

    meta = {'module': module, 'config': json.dumps(cfg, separators=(',', ':')), 'case': name}
    if run['lengths'] is not None:
        meta['lengths'] = '1'
    path = os.path.join(OUT_DIR, f'{name}.safetensors')
    write_safetensors(path, tensors, meta)
    return path, run


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for f in os.listdir(OUT_DIR):
        if f.endswith('.safetensors'):
            os.remove(os.path.join(OUT_DIR, f))
    rows = []
    total = 0
    for name, module, cfg, run in all_cases():
        path, run = make_case(name, module, cfg, run)
        size = os.path.getsize(path)
        total += size
        rows.append((name, module, cfg, run, size))
    write_readme(rows, total)
    print(f'{len(rows)} cases, {total / 1e6:.2f} MB in {os.path.normpath(OUT_DIR)}', file=sys.stderr)


def describe(module, cfg, run):
    parts = [module + (f"({cfg['nonlinearity']})" if module == 'RNN' else ''),
             f"I={cfg['inputSize']}", f"H={cfg['hiddenSize']}"]
    if cfg.get('projSize'):
        parts.append(f"proj={cfg['projSize']}")
    parts.append(f"L={cfg['numLayers']}")
    if cfg['bidirectional']:
        parts.append('bidir')
    if cfg['batchFirst']:
        parts.append('batchFirst')
    if not cfg['bias']:
        parts.append('no bias')
    parts.append(f"T={run['T']}")
    parts.append('unbatched' if run['unbatched'] else f"B={run['B']}")
    if run['lengths'] is not None:
        parts.append(f"lengths={run['lengths']}")
    if run['h0']:
        parts.append('h0/c0' if module == 'LSTM' else 'h0')
    if run['scale'] != 1.0:
        parts.append(f"params x{run['scale']:g}")
    return ', '.join(parts)


def write_readme(rows, total):
    lines = [
        '# PyTorch conformance fixtures',
        '',
        'Generated by `tools/gen_torch_fixtures.py` (run it with `/usr/bin/python3`, which has torch):',
        '',
        '    /usr/bin/python3 tools/gen_torch_fixtures.py',
        '',
        f'torch version: `{torch.__version__}`, CPU, float32 default dtype, 1 thread.',
        '',
        'Each `<case>.safetensors` holds the module\'s `state_dict` under its exact torch keys, the',
        'inputs `input.x` (and `input.h0`, `input.c0` F32, `input.lengths` I64 when used), the torch',
        'results `output.output`, `output.h` (and `output.c` for LSTM), and `__metadata__` with',
        '`module` (`LSTM` | `GRU` | `RNN`), `config` (JSON of the wasm-rnn layer options in camelCase:',
        'inputSize, hiddenSize, numLayers, bias, batchFirst, bidirectional, projSize, nonlinearity),',
        '`lengths` = `"1"` when lengths are used, and `case`.',
        '',
        'Outputs come from the real `nn.LSTM` / `nn.GRU` / `nn.RNN` modules. With lengths the input',
        'goes through `pack_padded_sequence(x, lengths, batch_first=..., enforce_sorted=False)` and the',
        'output through `pad_packed_sequence(..., total_length=T)`. The torch seed of each case is the',
        'CRC-32 of its name. Parameters of the `saturate*` cases are multiplied by 6 after init.',
        '',
        f'{len(rows)} cases, {total / 1e6:.2f} MB in total.',
        '',
        '| case | configuration | bytes |',
        '| --- | --- | ---: |',
    ]
    for name, module, cfg, run, size in rows:
        lines.append(f'| `{name}` | {describe(module, cfg, run)} | {size} |')
    lines.append('')
    with open(os.path.join(OUT_DIR, 'README.md'), 'w') as f:
        f.write('\n'.join(lines))


if __name__ == '__main__':
    main()
