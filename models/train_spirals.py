"""One-to-one classifier: a 2-D point -> which of three interleaved spiral arms it lies on.
RNN(2, 64, 2 layers, tanh) over a single time step (= a 2-hidden-layer tanh MLP) -> last step ->
Linear(64, 3) -> Softmax.

Data (synthetic, generated here): three spiral arms r = t, angle = 3.5 t + 2 pi k / 3 for t in
[0.05, 1], with Gaussian jitter (sigma 0.04); 3,000 training points (seed 1), 3,000 test points
(seed 2).

    /usr/bin/python3 models/train_spirals.py      # ~1 minute on 2 cores
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

HIDDEN, ITERS = 64, 3000


def spirals(n, g):
    k = torch.randint(0, 3, (n,), generator=g)
    t = 0.05 + 0.95 * torch.rand(n, generator=g)
    a = 3.5 * t + 2 * math.pi * k / 3
    x = torch.stack([t * torch.cos(a), t * torch.sin(a)], -1) + 0.04 * torch.randn(n, 2, generator=g)
    return x.float(), k


class PointNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(2, HIDDEN, 2)  # time-major; one time step
        self.head = nn.Linear(HIDDEN, 3)

    def forward(self, x):  # x [B, 2] -> logits [B, 3]
        out, _ = self.rnn(x[None])
        return self.head(out[-1])


def main():
    setup(2024)
    t0 = time.time()
    xtr, ytr = spirals(3000, torch.Generator().manual_seed(1))
    xte, yte = spirals(3000, torch.Generator().manual_seed(2))
    model = PointNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, ITERS)
    for it in range(ITERS):
        loss = nn.functional.cross_entropy(model(xtr), ytr)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if (it + 1) % 500 == 0:
            with torch.no_grad():
                acc = (model(xte).argmax(-1) == yte).float().mean().item()
            print(f"iter {it + 1}: train loss {loss.item():.4f}, test acc {acc:.4f} ({time.time() - t0:.0f}s)", flush=True)
    with torch.no_grad():
        train_acc = (model(xtr).argmax(-1) == ytr).float().mean().item()
        test_logits = model(xte)
        test_loss = nn.functional.cross_entropy(test_logits, yte).item()
        test_acc = (test_logits.argmax(-1) == yte).float().mean().item()
    config = {
        "name": "spirals",
        "task": "one-to-one: classify a 2-D point into one of three spiral arms",
        "layers": [
            {"name": "rnn", "type": "RNN", "inputSize": 2, "hiddenSize": HIDDEN, "numLayers": 2},
            {"name": "last", "type": "LastStep"},
            {"name": "head", "type": "Linear", "inFeatures": HIDDEN, "outFeatures": 3},
            {"name": "probs", "type": "Softmax"},
        ],
        "classes": ["arm 0", "arm 1", "arm 2"],
        "data": "3 spiral arms r=t, angle=3.5t+2pi k/3, t in [0.05, 1], jitter N(0, 0.04); train seed 1, test seed 2",
    }
    path, size, nparams = save_model("spirals", model, config)
    card = {
        "params": nparams, "bytes": size, "iterations": ITERS, "train_seconds": round(time.time() - t0),
        "final_train_loss": round(loss.item(), 4), "train_accuracy": round(train_acc, 4),
        "test_loss": round(test_loss, 4), "test_accuracy": round(test_acc, 4),
    }
    print(json.dumps(card, indent=1))
    with torch.no_grad():
        pts = xte[:64].contiguous()
        ref = {"points": pts, "labels": yte[:64].int(), "probs": torch.softmax(model(pts), -1)}
    save_reference("spirals", ref)
    with open(os.path.join(os.path.dirname(path), "spirals.card.json"), "w") as f:
        json.dump(card, f, indent=1)


if __name__ == "__main__":
    main()
