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
  cbhg      Tacotron's CBHG encoder: a bank of Conv1d of kernels 1-6 (even ones sliced back to T),
            MaxPool1d (2, stride 1, pad 1) sliced, projections with BatchNorm, a residual, two
            highway layers (sigmoid gates), a bidirectional GRU; input [B, T, 16]
  trans_lstm a TransformerEncoderLayer (multi-head attention, LayerNorm) then an LSTM; outputs the
            argmax per step and the top 2 of the last step (ArgMax, TopK); exported in training
            mode with dropout 0 (torch 1.13 cannot export its eval fast path)
  glu_lstm  conformer-style conv: pointwise Conv1d + GLU, depthwise Conv1d (groups = channels),
            BatchNorm, SiLU, then a 2-layer LSTM whose h0 comes from a Linear of the mean frame
  rnn_relu_bi a 2-layer bidirectional ReLU RNN without biases, h0 as an input, then PReLU and ELU
  tcn_gru   a causal dilated TCN (left padding by replicate, reflect and zeros; LeakyReLU, Softplus,
            GroupNorm, InstanceNorm1d) before a GRU, its output upsampled 2x (linear Resize)
  attn_decoder a GRU encoder and a Bahdanau attention decoder unrolled over 4 steps (a GRUCell,
            which torch writes out as MatMuls and gates; argmax fed back as a one-hot)
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

class BatchNormConv1d(nn.Module):
    def __init__(self, cin, cout, k, act):
        super().__init__()
        self.conv = nn.Conv1d(cin, cout, k, padding=k // 2, bias=False)
        self.bn = nn.BatchNorm1d(cout)
        self.act = act
    def forward(self, x):
        y = self.conv(x)
        y = self.act(y) if self.act is not None else y
        return self.bn(y)

class Highway(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.H = nn.Linear(n, n); self.T = nn.Linear(n, n)
    def forward(self, x):
        h = F.relu(self.H(x)); t = torch.sigmoid(self.T(x))
        return h * t + x * (1.0 - t)

class CBHG(nn.Module):
    def __init__(self, cin=16, K=6):
        super().__init__()
        self.bank = nn.ModuleList([BatchNormConv1d(cin, cin, k, nn.ReLU()) for k in range(1, K + 1)])
        self.pool = nn.MaxPool1d(2, stride=1, padding=1)
        self.proj1 = BatchNormConv1d(K * cin, 32, 3, nn.ReLU())
        self.proj2 = BatchNormConv1d(32, cin, 3, None)
        self.highways = nn.ModuleList([Highway(cin) for _ in range(2)])
        self.gru = nn.GRU(cin, 12, batch_first=True, bidirectional=True)
    def forward(self, x):          # [B, T, cin]
        T = x.size(1)
        y = x.transpose(1, 2)
        y = torch.cat([conv(y)[:, :, :T] for conv in self.bank], dim=1)
        y = self.pool(y)[:, :, :T]
        y = self.proj2(self.proj1(y))
        y = y.transpose(1, 2) + x
        for h in self.highways: y = h(y)
        out, _ = self.gru(y)
        return out

class TransLSTM(nn.Module):
    def __init__(self, d=32):
        super().__init__()
        self.inp = nn.Linear(20, d)
        self.enc = nn.TransformerEncoderLayer(d, 4, 64, dropout=0.0, batch_first=True)
        self.lstm = nn.LSTM(d, d, batch_first=True)
        self.out = nn.Linear(d, 5)
    def forward(self, x):
        y = self.enc(self.inp(x))
        y, _ = self.lstm(y)
        return self.out(y).argmax(-1), torch.topk(self.out(y[:, -1]), 2).values

class GLUConvLSTM(nn.Module):
    def __init__(self, c=24):
        super().__init__()
        self.pw = nn.Conv1d(c, 2 * c, 1)
        self.dw = nn.Conv1d(c, c, 7, padding=3, groups=c)
        self.bn = nn.BatchNorm1d(c)
        self.lstm = nn.LSTM(c, 16, num_layers=2, batch_first=True)
        self.h0 = nn.Linear(c, 16)
    def forward(self, x):           # [B, T, c]
        y = F.glu(self.pw(x.transpose(1, 2)), dim=1)
        y = F.silu(self.bn(self.dw(y))).transpose(1, 2)
        h0 = torch.tanh(self.h0(x.mean(1))).unsqueeze(0).repeat(2, 1, 1)
        out, (h, c) = self.lstm(y, (h0, torch.zeros_like(h0)))
        return out, h

class RNNReluBi(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(7, 9, num_layers=2, nonlinearity='relu', bidirectional=True, bias=False)
        self.act = nn.PReLU(18)
    def forward(self, x, h0):
        y, h = self.rnn(x, h0)
        return F.elu(self.act(y.permute(1, 2, 0))).permute(2, 0, 1), h

class TCNGRU(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv1d(8, 16, 3, dilation=1)
        self.c2 = nn.Conv1d(16, 16, 3, dilation=2)
        self.c3 = nn.Conv1d(16, 16, 3, dilation=4)
        self.gn = nn.GroupNorm(4, 16)
        self.inorm = nn.InstanceNorm1d(16, affine=True)
        self.gru = nn.GRU(16, 12, batch_first=True)
        self.up = nn.Upsample(scale_factor=2, mode='linear', align_corners=False)
    def forward(self, x):           # [B, 8, T]
        y = F.leaky_relu(self.c1(F.pad(x, (2, 0), mode='replicate')), 0.1)
        y = F.softplus(self.c2(F.pad(y, (4, 0), mode='reflect')))
        y = self.gn(self.c3(F.pad(y, (8, 0))))
        y = self.inorm(torch.tanh(y))
        out, h = self.gru(y.transpose(1, 2))
        return self.up(out.transpose(1, 2)), h

class AttnDecoder(nn.Module):  # unrolled Bahdanau attention decoder with a GRUCell, 4 steps
    def __init__(self, H=16, V=11):
        super().__init__()
        self.enc = nn.GRU(6, H, batch_first=True)
        self.cell = nn.GRUCell(H + V, H)
        self.Wa = nn.Linear(H, H, bias=False); self.Ua = nn.Linear(H, H); self.va = nn.Linear(H, 1, bias=False)
        self.out = nn.Linear(H, V)
        self.V = V
    def forward(self, x):
        enc, h = self.enc(x)          # [B, T, H], [1, B, H]
        h = h[0]
        y = torch.zeros(x.shape[0], self.V)
        outs = []
        for _ in range(4):
            e = self.va(torch.tanh(self.Wa(h).unsqueeze(1) + self.Ua(enc))).squeeze(-1)
            a = torch.softmax(e, dim=1)
            ctx = (a.unsqueeze(-1) * enc).sum(1)
            h = self.cell(torch.cat([ctx, y], -1), h)
            logits = self.out(h)
            y = F.one_hot(logits.argmax(-1), self.V).float()
            outs.append(logits)
        return torch.stack(outs, 1)

def export(name, m, names_in, names_out, dyn, sets, opset, train=False):
    """train: exported in training mode (a TransformerEncoderLayer has no ONNX export in eval mode in
    torch 1.13); its dropouts are 0, so it computes what eval mode does."""
    d = os.path.join(ROOT, f'{name}_op{opset}')
    os.makedirs(d)
    m.train() if train else m.eval()
    with torch.no_grad():
        torch.onnx.export(m, sets[0], os.path.join(d, 'model.onnx'), opset_version=opset, input_names=names_in,
                          output_names=names_out, dynamic_axes=dyn, do_constant_folding=True,
                          training=torch.onnx.TrainingMode.PRESERVE if train else torch.onnx.TrainingMode.EVAL)
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
        torch.manual_seed(5)
        m = CBHG()
        randomize_bn(m, g)
        export('cbhg', m, ['x'], ['out'], {'x': {0: 'batch', 1: 'time'}, 'out': {0: 'batch', 1: 'time'}},
               [(torch.randn(2, 11, 16, generator=g),), (torch.randn(3, 6, 16, generator=g),)], opset)
        torch.manual_seed(6)
        m = TransLSTM()
        export('trans_lstm', m, ['x'], ['ids', 'top'], {'x': {0: 'batch', 1: 'time'}, 'ids': {0: 'batch', 1: 'time'}, 'top': {0: 'batch'}},
               [(torch.randn(2, 9, 20, generator=g),), (torch.randn(3, 5, 20, generator=g),)], opset, train=True)
        torch.manual_seed(7)
        m = GLUConvLSTM()
        randomize_bn(m, g)
        export('glu_lstm', m, ['x'], ['out', 'h'], {'x': {0: 'batch', 1: 'time'}, 'out': {0: 'batch', 1: 'time'}, 'h': {1: 'batch'}},
               [(torch.randn(2, 10, 24, generator=g),), (torch.randn(1, 4, 24, generator=g),)], opset)
        torch.manual_seed(8)
        export('rnn_relu_bi', RNNReluBi(), ['x', 'h0'], ['y', 'h'],
               {'x': {0: 'time', 1: 'batch'}, 'h0': {1: 'batch'}, 'y': {0: 'time', 1: 'batch'}, 'h': {1: 'batch'}},
               [(torch.randn(5, 2, 7, generator=g), torch.randn(4, 2, 9, generator=g)),
                (torch.randn(3, 3, 7, generator=g), torch.randn(4, 3, 9, generator=g))], opset)
        torch.manual_seed(9)
        export('tcn_gru', TCNGRU(), ['x'], ['up', 'h'], {'x': {0: 'batch', 2: 'time'}, 'up': {0: 'batch', 2: 'time2'}, 'h': {1: 'batch'}},
               [(torch.randn(2, 8, 20, generator=g),), (torch.randn(3, 8, 13, generator=g),)], opset)
        torch.manual_seed(10)
        export('attn_decoder', AttnDecoder(), ['x'], ['logits'], {'x': {0: 'batch', 1: 'time'}, 'logits': {0: 'batch'}},
               [(torch.randn(2, 7, 6, generator=g),), (torch.randn(3, 5, 6, generator=g),)], opset)


if __name__ == '__main__':
    main()
