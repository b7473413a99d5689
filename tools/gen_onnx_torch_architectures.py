#!/usr/bin/python3
"""Exports the shapes of recurrent models that real applications export from PyTorch, for
test/onnx/torch-architectures.test.ts: a conv front-end and a recurrent body, as OCR, speech and
keyword models are built. Each with torch.onnx.export (torch 1.13) at opsets 13 and 17, random
weights (and random BatchNorm statistics, so that the folded normalisations are not identities).

Run with Debian's python (torch 1.13 and onnx 1.12; the pyenv python3 on PATH has neither):

    /usr/bin/python3 tools/gen_onnx_torch_architectures.py

Writes test/fixtures/onnx/torch-arch/<model>_op<opset>/model.onnx and two data sets
(test_data_set_N/input_K.pb / output_K.pb: the inputs and PyTorch's own outputs, eval mode,
float32 CPU) of different batch and length, through the dynamic axes:
  crnn      OCR-style CRNN: Conv2d + BatchNorm + ReLU + MaxPool (2x2, 2x1) x3, a 4x1 conv to
            height 1, squeeze + permute to [W, B, C], a 2-layer bidirectional LSTM, Linear,
            LogSoftmax; input image [B, 1, 32, W]
  ds2       DeepSpeech2-style: a strided 11x5 Conv2d + BatchNorm + Hardtanh(0, 20), view to
            [B, T', C * F'], two bidirectional GRUs (batch_first) with a BatchNorm1d between,
            Linear, Softmax; input spectrogram [B, 1, 32, T]
  kws_att   keyword spotting with attention pooling: Conv1d over MFCC frames, LayerNorm, LSTM,
            a softmax over time weighting the LSTM outputs (bmm), Linear; input [B, T, 40]
  packed    a bidirectional LSTM over pack_padded_sequence / pad_packed_sequence (LSTM
            sequence_lens); torch bakes the batch size of the export into the graph (its Expand
            of the initial states), so both data sets have batch 3, with other lengths
"""
import os
import shutil
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_test_data import save_set  # tools/onnx_test_data.py

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'onnx', 'torch-arch')
OPSETS = [13, 17]


class CRNN(nn.Module):
    def __init__(self, classes=37):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d((2, 1), (2, 1)),
            nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d((2, 1), (2, 1)),
            nn.Conv2d(32, 48, (4, 1)), nn.ReLU())
        self.rnn = nn.LSTM(48, 24, num_layers=2, bidirectional=True)
        self.fc = nn.Linear(48, classes)
    def forward(self, x):
        f = self.cnn(x)            # [B, 48, 1, W/2]
        f = f.squeeze(2).permute(2, 0, 1)  # [T, B, 48]
        y, _ = self.rnn(f)
        return F.log_softmax(self.fc(y), dim=-1)

class DS2(nn.Module):
    def __init__(self, feats=32, classes=29):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(1, 8, (11, 5), stride=(2, 2), padding=(5, 2)), nn.BatchNorm2d(8), nn.Hardtanh(0, 20, inplace=True))
        self.gru1 = nn.GRU(8 * (feats // 2), 32, bidirectional=True, batch_first=True)
        self.bn = nn.BatchNorm1d(64)
        self.gru2 = nn.GRU(64, 32, bidirectional=True, batch_first=True)
        self.fc = nn.Linear(64, classes)
    def forward(self, x):                # [B, 1, F, T]
        y = self.conv(x)                  # [B, 8, F/2, T/2]
        b, c, f, t = y.size()
        y = y.view(b, c * f, t).transpose(1, 2)  # [B, T', C*F']
        y, _ = self.gru1(y)
        y = self.bn(y.transpose(1, 2)).transpose(1, 2)
        y, _ = self.gru2(y)
        return F.softmax(self.fc(y), dim=-1)

class KWSAttention(nn.Module):
    def __init__(self, feats=40, classes=12):
        super().__init__()
        self.conv = nn.Conv1d(feats, 32, 5, padding=2)
        self.ln = nn.LayerNorm(32)
        self.lstm = nn.LSTM(32, 48, batch_first=True)
        self.att = nn.Linear(48, 1)
        self.fc = nn.Linear(48, classes)
    def forward(self, x):                 # [B, T, F]
        y = F.relu(self.conv(x.transpose(1, 2))).transpose(1, 2)
        y, _ = self.lstm(self.ln(y))
        w = torch.softmax(self.att(y).squeeze(-1), dim=1)    # [B, T]
        ctx = torch.bmm(w.unsqueeze(1), y).squeeze(1)      # [B, 48]
        return self.fc(ctx)

class Packed(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(6, 10, batch_first=True, bidirectional=True)
    def forward(self, x, lengths):
        p = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=True)
        y, (h, c) = self.lstm(p)
        y, _ = nn.utils.rnn.pad_packed_sequence(y, batch_first=True, total_length=x.shape[1])
        return y, h

def export(name, m, names_in, names_out, dyn, sets, opset):
    d = os.path.join(ROOT, f'{name}_op{opset}')
    os.makedirs(d)
    m.eval()
    with torch.no_grad():
        torch.onnx.export(m, sets[0], os.path.join(d, 'model.onnx'), opset_version=opset, input_names=names_in,
                          output_names=names_out, dynamic_axes=dyn, do_constant_folding=True)
        for i, ins in enumerate(sets):
            outs = m(*ins)
            outs = outs if isinstance(outs, tuple) else (outs,)
            save_set(d, i, [(n, t.numpy()) for n, t in zip(names_in, ins)], [(n, t.numpy()) for n, t in zip(names_out, outs)])
    print('wrote', os.path.relpath(d))


def randomize_bn(m, g):
    """Random running statistics and affine parameters, so that no normalisation folds to an identity."""
    for mod in m.modules():
        if isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d)):
            mod.running_mean.copy_(torch.randn(mod.num_features, generator=g) * 0.1)
            mod.running_var.copy_(torch.rand(mod.num_features, generator=g) + 0.5)
            mod.weight.data.copy_(torch.rand(mod.num_features, generator=g) + 0.5)
            mod.bias.data.copy_(torch.randn(mod.num_features, generator=g) * 0.1)


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(ROOT)
    for opset in OPSETS:
        g = torch.Generator().manual_seed(7)
        torch.manual_seed(1)
        m = CRNN()
        randomize_bn(m, g)
        export('crnn', m, ['image'], ['logprobs'], {'image': {0: 'batch', 3: 'width'}, 'logprobs': {0: 'time', 1: 'batch'}},
               [(torch.randn(2, 1, 32, 40, generator=g),), (torch.randn(1, 1, 32, 64, generator=g),)], opset)
        torch.manual_seed(2)
        m = DS2()
        randomize_bn(m, g)
        export('ds2', m, ['spec'], ['probs'], {'spec': {0: 'batch', 3: 'time'}, 'probs': {0: 'batch', 1: 'time'}},
               [(torch.randn(2, 1, 32, 30, generator=g),), (torch.randn(3, 1, 32, 17, generator=g),)], opset)
        torch.manual_seed(3)
        m = KWSAttention()
        export('kws_att', m, ['mfcc'], ['logits'], {'mfcc': {0: 'batch', 1: 'time'}, 'logits': {0: 'batch'}},
               [(torch.randn(2, 25, 40, generator=g),), (torch.randn(4, 13, 40, generator=g),)], opset)
        torch.manual_seed(4)
        m = Packed()
        export('packed', m, ['x', 'lengths'], ['y', 'h'],
               {'x': {0: 'batch', 1: 'time'}, 'lengths': {0: 'batch'}, 'y': {0: 'batch', 1: 'time'}, 'h': {1: 'batch'}},
               [(torch.randn(3, 7, 6, generator=g), torch.tensor([7, 5, 2])), (torch.randn(3, 5, 6, generator=g), torch.tensor([5, 4, 1]))], opset)


if __name__ == '__main__':
    main()
