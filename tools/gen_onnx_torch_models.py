#!/usr/bin/python3
"""Exports whole PyTorch models with torch.onnx.export, for test/onnx/torch-models.test.ts.

Run with Debian's python (torch 1.13 and onnx 1.12; the pyenv python3 on PATH has neither):

    /usr/bin/python3 tools/gen_onnx_torch_models.py

For each model and opset (9, 14 and 17 - the newest torch 1.13 exports) writes
test/fixtures/onnx/torch/<model>_op<opset>/model.onnx and two data sets (different batch and
sequence lengths, through the dynamic axes) test_data_set_N/input_K.pb / output_K.pb holding
the fixed inputs and PyTorch's own outputs (eval mode, float32 CPU).

Models:
  char_lstm      Embedding + 2-layer LSTM (batch_first) + Linear + Softmax; inputs tokens
                 (int64 [B, T]), h0, c0; outputs probs, h, c  (a character model's step)
  bigru_cls      bidirectional GRU (batch_first) whose last time step feeds a Linear; output
                 logits [B, 3]
  stacked_rnn    3-layer tanh RNN (time-major); outputs output and h_n
"""
import os
import shutil

import numpy as np
import torch
import torch.nn as nn

from onnx_test_data import save_set  # tools/onnx_test_data.py


ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'onnx', 'torch')
OPSETS = [9, 14, 17]


class CharLSTM(nn.Module):
    def __init__(self, vocab=23, emb=8, hidden=16):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(emb, hidden, num_layers=2, batch_first=True, dropout=0.25)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, tokens, h0, c0):
        y, (h, c) = self.lstm(self.emb(tokens), (h0, c0))
        return torch.softmax(self.out(y), dim=-1), h, c


class BiGRUClassifier(nn.Module):
    def __init__(self, inp=6, hidden=10, classes=3):
        super().__init__()
        self.gru = nn.GRU(inp, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, classes)

    def forward(self, x):
        y, _ = self.gru(x)
        return self.fc(y[:, -1, :])


class StackedRNN(nn.Module):
    def __init__(self, inp=5, hidden=7):
        super().__init__()
        self.rnn = nn.RNN(inp, hidden, num_layers=3, nonlinearity='tanh')

    def forward(self, x):
        return self.rnn(x)


def build(name, seed):
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed + 1)
    if name == 'char_lstm':
        m = CharLSTM()
        names_in, names_out = ['tokens', 'h0', 'c0'], ['probs', 'h', 'c']
        dyn = {'tokens': {0: 'batch', 1: 'time'}, 'h0': {1: 'batch'}, 'c0': {1: 'batch'}, 'probs': {0: 'batch', 1: 'time'},
               'h': {1: 'batch'}, 'c': {1: 'batch'}}

        def inputs(B, T):
            return (torch.randint(0, 23, (B, T), generator=g), torch.randn(2, B, 16, generator=g) * 0.5,
                    torch.randn(2, B, 16, generator=g) * 0.5)
    elif name == 'bigru_cls':
        m = BiGRUClassifier()
        names_in, names_out = ['x'], ['logits']
        dyn = {'x': {0: 'batch', 1: 'time'}, 'logits': {0: 'batch'}}

        def inputs(B, T):
            return (torch.randn(B, T, 6, generator=g),)
    else:
        m = StackedRNN()
        names_in, names_out = ['x'], ['output', 'h_n']
        dyn = {'x': {0: 'time', 1: 'batch'}, 'output': {0: 'time', 1: 'batch'}, 'h_n': {1: 'batch'}}

        def inputs(B, T):
            return (torch.randn(T, B, 5, generator=g),)
    m.eval()
    return m, names_in, names_out, dyn, inputs


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(ROOT)
    for seed, name in enumerate(['char_lstm', 'bigru_cls', 'stacked_rnn']):
        for opset in OPSETS:
            m, names_in, names_out, dyn, make_inputs = build(name, 100 + seed)
            d = os.path.join(ROOT, f'{name}_op{opset}')
            os.makedirs(d)
            sets = [make_inputs(2, 7), make_inputs(3, 4)]
            with torch.no_grad():
                torch.onnx.export(m, sets[0], os.path.join(d, 'model.onnx'), opset_version=opset,
                                  input_names=names_in, output_names=names_out, dynamic_axes=dyn,
                                  do_constant_folding=True)
                for i, ins in enumerate(sets):
                    outs = m(*ins)
                    outs = outs if isinstance(outs, tuple) else (outs,)
                    save_set(d, i, [(n, t.numpy()) for n, t in zip(names_in, ins)],
                             [(n, t.numpy()) for n, t in zip(names_out, outs)])
            print('wrote', os.path.relpath(d))


if __name__ == '__main__':
    main()
