"""Time-series forecaster (many-to-many): GRU(1, 48) -> Linear(48, 1), batch-first.

Data: the Mackey-Glass delay differential equation (a classic chaotic benchmark),
    dx/dt = 0.2 x(t - 17) / (1 + x(t - 17)^10) - 0.1 x(t),
integrated by 4th-order Runge-Kutta (dt = 0.1, history held constant at 1.2 before t = 0, the first
1000 time units dropped), sampled once per time unit, plus Gaussian observation noise
(sigma 0.01) and a slow sinusoidal drift (amplitude 0.1, period 2000 samples) so the level is not
stationary. 12,000 samples: the first 9,000 train, the last 3,000 test. The model sees the
normalized value x_t and predicts x_{t+1} at every step. Loss: the one-step MSE over a
teacher-forced 96-step window (from step 8 on) plus the MSE of a 20-step free run continuing it
(predictions fed back), so the model also holds up when run closed-loop.

    /usr/bin/python3 models/train_forecast.py     # ~8 minutes on 2 cores
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

HIDDEN, WINDOW, BATCH, ITERS, ROLL = 48, 96, 64, 2000, 20
N, N_TRAIN = 12000, 9000


def mackey_glass(n, tau=17.0, dt=0.1, beta=0.2, gamma=0.1, p=10, discard=1000):
    lag = int(round(tau / dt))
    sub = int(round(1 / dt))
    total = (n + discard) * sub
    hist = [1.2] * (lag + 1)  # x(t) for t in [-tau, 0]
    f = lambda x, xl: beta * xl / (1 + xl ** p) - gamma * x  # noqa: E731
    out = []
    x = hist[-1]
    for i in range(total):
        xl = hist[-lag - 1]
        xl_next = hist[-lag]
        xl_mid = 0.5 * (xl + xl_next)
        k1 = f(x, xl)
        k2 = f(x + 0.5 * dt * k1, xl_mid)
        k3 = f(x + 0.5 * dt * k2, xl_mid)
        k4 = f(x + dt * k3, xl_next)
        x = x + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        hist.append(x)
        if len(hist) > lag + 2:
            hist.pop(0)
        if (i + 1) % sub == 0:
            out.append(x)
    return torch.tensor(out[discard:], dtype=torch.float64)


class Forecaster(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(1, HIDDEN, batch_first=True)
        self.head = nn.Linear(HIDDEN, 1)

    def forward(self, x, h=None):
        out, h = self.gru(x, h)
        return self.head(out), h


def main():
    setup(4321)
    t0 = time.time()
    g = torch.Generator().manual_seed(99)
    clean = mackey_glass(N)
    drift = 0.1 * torch.sin(2 * math.pi * torch.arange(N, dtype=torch.float64) / 2000)
    series = clean + drift + 0.01 * torch.randn(N, generator=g, dtype=torch.float64)
    mean, std = series[:N_TRAIN].mean().item(), series[:N_TRAIN].std().item()
    z = ((series - mean) / std).float()
    train, test = z[:N_TRAIN], z[N_TRAIN:]
    print(f"series ready ({time.time() - t0:.0f}s), mean {mean:.4f} std {std:.4f}")

    model = Forecaster()
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, ITERS)
    for it in range(ITERS):
        starts = torch.randint(0, N_TRAIN - WINDOW - ROLL, (BATCH,), generator=g)
        idx = starts[:, None] + torch.arange(WINDOW + ROLL)
        w = train[idx]
        pred, h = model(w[:, :WINDOW, None])
        # the first steps have little context: score from step 8 on
        loss = nn.functional.mse_loss(pred[:, 8:, 0], w[:, 9:WINDOW + 1])
        x, outs = pred[:, -1:, :], []
        for _ in range(ROLL):
            outs.append(x)
            x, h = model(x, h)
        roll = torch.cat(outs, 1)[:, :, 0]  # predictions of w[:, WINDOW:WINDOW + ROLL]
        loss = loss + nn.functional.mse_loss(roll, w[:, WINDOW:WINDOW + ROLL])
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if (it + 1) % 250 == 0:
            print(f"iter {it + 1}: train loss (one-step + free-run mse) {loss.item():.5f} ({time.time() - t0:.0f}s)", flush=True)

    model.eval()
    with torch.no_grad():
        pred, _ = model(test[None, :-1, None])
        err = (pred[0, 100:, 0] - test[101:]) * std
        rmse = err.pow(2).mean().sqrt().item()
        persist = ((test[100:-1] - test[101:]) * std).pow(2).mean().sqrt().item()
        # closed loop: warm up on 200 test samples, then feed predictions back for 50 steps
        horizons = []
        for s0 in range(0, 2600, 100):
            warm = test[s0:s0 + 200]
            p, h = model(warm[None, :, None])
            x = p[:, -1:, :]
            outs = []
            for _ in range(50):
                outs.append(x[0, 0, 0].item())
                x, h = model(x, h)
            truth = test[s0 + 200:s0 + 250]
            horizons.append(((torch.tensor(outs) - truth) * std).abs())
        closed = torch.stack(horizons).pow(2).mean(0).sqrt()
    config = {
        "name": "forecast",
        "task": "next-value forecaster of a noisy, drifting Mackey-Glass series (many-to-many)",
        "layers": [
            {"name": "gru", "type": "GRU", "inputSize": 1, "hiddenSize": HIDDEN, "batchFirst": True},
            {"name": "head", "type": "Linear", "inFeatures": HIDDEN, "outFeatures": 1},
        ],
        "normalization": {"mean": mean, "std": std},
        "data": "Mackey-Glass tau=17 (RK4 dt=0.1), + 0.1 sin drift (period 2000) + N(0, 0.01) noise; seed 99",
    }
    path, size, nparams = save_model("forecast", model, config)
    card = {
        "params": nparams, "bytes": size, "iterations": ITERS, "train_seconds": round(time.time() - t0),
        "final_train_loss_normalized": round(loss.item(), 6),
        "test_one_step_rmse": round(rmse, 5), "test_persistence_rmse": round(persist, 5),
        "test_closed_loop_rmse_at_1_10_25_50": [round(closed[i].item(), 4) for i in (0, 9, 24, 49)],
        "series_std": round(std, 4),
    }
    print(json.dumps(card, indent=1))
    with torch.no_grad():
        x = test[:300][None, :, None]
        y, _ = model(x)
        p, h = model(test[None, :200, None])
        xs = p[:, -1:, :]
        outs = []
        for _ in range(50):
            outs.append(xs[0, 0, 0])
            xs, h = model(xs, h)
        ref = {
            "window.x": x.contiguous(), "window.y": y.contiguous(),
            "test": test.contiguous(),
            "closed.warmup": test[None, :200, None].contiguous(), "closed.forecast": torch.stack(outs),
        }
    save_reference("forecast", ref)
    with open(os.path.join(os.path.dirname(path), "forecast.card.json"), "w") as f:
        json.dump(card, f, indent=1)


if __name__ == "__main__":
    main()
