"""Waveform classifier (many-to-one): LSTM(1, 32) -> last step -> Linear(32, 4) -> Softmax.

Data (synthetic, generated here): 64-sample sequences of one of four waveforms -- 0 sine,
1 square, 2 triangle, 3 sawtooth -- with a random period (6 to 40 samples), phase, amplitude
(0.4 to 1.6), DC offset (-0.5 to 0.5) and Gaussian noise (sigma 0.1 to 0.4). 24,000 training
sequences (fresh each epoch from a seeded generator), 4,000 test sequences from another seed.

    /usr/bin/python3 models/train_waveforms.py    # ~4 minutes on 2 cores
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import save_model, save_reference, setup  # noqa: E402

CLASSES = ["sine", "square", "triangle", "sawtooth"]
T, HIDDEN, BATCH, EPOCHS, N_TRAIN, N_TEST = 64, 32, 128, 16, 24000, 4000


def make(n, g):
    y = torch.randint(0, 4, (n,), generator=g)
    period = 6 + 34 * torch.rand(n, 1, generator=g)
    phase = torch.rand(n, 1, generator=g)
    amp = 0.4 + 1.2 * torch.rand(n, 1, generator=g)
    off = torch.rand(n, 1, generator=g) - 0.5
    sigma = 0.1 + 0.3 * torch.rand(n, 1, generator=g)
    u = (torch.arange(T)[None, :] / period + phase) % 1.0  # position in the cycle, [0, 1)
    waves = torch.stack([
        torch.sin(2 * math.pi * u),
        torch.where(u < 0.5, 1.0, -1.0),
        1 - 4 * (u - 0.5).abs(),
        2 * u - 1,
    ], 0)
    x = waves[y, torch.arange(n)] * amp + off + sigma * torch.randn(n, T, generator=g)
    return x[:, :, None].float(), y


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(1, HIDDEN, batch_first=True)
        self.head = nn.Linear(HIDDEN, len(CLASSES))

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])  # logits; the shipped model ends with a Softmax


def main():
    setup(777)
    t0 = time.time()
    gtrain, gtest = torch.Generator().manual_seed(1), torch.Generator().manual_seed(2)
    xt, yt = make(N_TEST, gtest)
    model = Classifier()
    opt = torch.optim.Adam(model.parameters(), lr=4e-3)
    steps = EPOCHS * (N_TRAIN // BATCH)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=8e-3, total_steps=steps)
    for epoch in range(EPOCHS):
        model.train()
        x, y = make(N_TRAIN, gtrain)
        tot = 0.0
        for i in range(0, N_TRAIN - BATCH + 1, BATCH):
            loss = nn.functional.cross_entropy(model(x[i:i + BATCH]), y[i:i + BATCH])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            tot += loss.item()
        model.eval()
        with torch.no_grad():
            acc = (model(xt).argmax(-1) == yt).float().mean().item()
        print(f"epoch {epoch + 1}: train loss {tot / (N_TRAIN // BATCH):.4f}, test acc {acc:.4f} ({time.time() - t0:.0f}s)", flush=True)
    with torch.no_grad():
        logits = model(xt)
        test_loss = nn.functional.cross_entropy(logits, yt).item()
        pred = logits.argmax(-1)
        acc = (pred == yt).float().mean().item()
        confusion = [[int(((yt == a) & (pred == b)).sum()) for b in range(4)] for a in range(4)]
    config = {
        "name": "waveforms",
        "task": "classify a 64-sample noisy waveform as sine / square / triangle / sawtooth (many-to-one)",
        "layers": [
            {"name": "lstm", "type": "LSTM", "inputSize": 1, "hiddenSize": HIDDEN, "batchFirst": True},
            {"name": "last", "type": "LastStep"},
            {"name": "head", "type": "Linear", "inFeatures": HIDDEN, "outFeatures": len(CLASSES)},
            {"name": "probs", "type": "Softmax"},
        ],
        "classes": CLASSES,
        "length": T,
        "data": "synthetic waveforms, period 6-40, amplitude 0.4-1.6, offset +-0.5, noise sigma 0.1-0.4; train seed 1, test seed 2",
    }
    path, size, nparams = save_model("waveforms", model, config)
    card = {
        "params": nparams, "bytes": size, "epochs": EPOCHS, "train_seconds": round(time.time() - t0),
        "final_train_loss": round(tot / (N_TRAIN // BATCH), 4), "test_loss": round(test_loss, 4),
        "test_accuracy": round(acc, 4), "test_confusion_rows_true_cols_pred": confusion,
    }
    print(json.dumps(card, indent=1))
    with torch.no_grad():
        x8, y8 = xt[:16], yt[:16]
        ref = {"x": x8.contiguous(), "labels": y8.int(), "probs": torch.softmax(model(x8), -1)}
    save_reference("waveforms", ref)
    with open(os.path.join(os.path.dirname(path), "waveforms.card.json"), "w") as f:
        json.dump(card, f, indent=1)


if __name__ == "__main__":
    main()
