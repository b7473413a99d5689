"""PyTorch reference of the training bench (bench/train.mjs runs it; /usr/bin/python3, torch 1.13).

The char-LM workload of bench/train-data.mjs on one thread (torch.set_num_threads(1)):
Embedding(65, 32) -> LSTM(32, 256) -> Linear(256, 65), time-major [T, B] batches, cross-entropy,
torch.optim.Adam, from the initial weights and batches bench/train-data.mjs wrote to
bench/.cache/train/. First `--check-steps` steps from those weights (their losses are compared
with wasm-rnn's by bench/train.mjs), then `--rounds` x `--steps` timed steps, each on the process
CPU clock (time.process_time) and the wall clock. Prints one JSON line.

    /usr/bin/python3 bench/train_torch.py [--rounds 3] [--steps 3] [--check-steps 3]
"""
import argparse
import json
import os
import platform
import statistics
import time

import numpy as np
import torch

parser = argparse.ArgumentParser()
parser.add_argument('--rounds', type=int, default=3)
parser.add_argument('--steps', type=int, default=3)
parser.add_argument('--check-steps', type=int, default=3)
parser.add_argument('--data', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '.cache', 'train'))
args = parser.parse_args()

torch.set_num_threads(1)
with open(os.path.join(args.data, 'index.json')) as f:
    index = json.load(f)
w = index['workload']
V, E, H, B, T = w['vocab'], w['embed'], w['hidden'], w['batch'], w['seqLen']
flat = np.fromfile(os.path.join(args.data, 'weights.f32'), dtype='<f4')
weights = {e['name']: torch.from_numpy(flat[e['offset']:e['offset'] + e['length']].reshape(e['shape']).copy()) for e in index['weights']}
windows = torch.from_numpy(np.fromfile(os.path.join(args.data, 'windows.i32'), dtype='<i4').reshape(index['windows']['shape']).astype(np.int64))


class CharLM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(V, E)
        self.lstm = torch.nn.LSTM(E, H)
        self.head = torch.nn.Linear(H, V)

    def forward(self, x):
        y, _ = self.lstm(self.emb(x))
        return self.head(y)


model = CharLM()
model.load_state_dict(weights)
optimizer = torch.optim.Adam(model.parameters(), lr=w['lr'], betas=tuple(w['betas']), eps=w['eps'])
# time-major batches: [T, B] inputs and next-character targets
batches = [(windows[k, :, :T].t().contiguous(), windows[k, :, 1:].t().contiguous()) for k in range(w['batches'])]


def step(k):
    x, y = batches[k % len(batches)]
    optimizer.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x).reshape(T * B, V), y.reshape(T * B))
    loss.backward()
    optimizer.step()
    return loss.item()


check_losses = [step(s) for s in range(args.check_steps)]
k = args.check_steps
rounds, wall_rounds, step_cpu, step_wall = [], [], [], []
for r in range(args.rounds):
    cpu, wall = [], []
    for s in range(args.steps):
        c0, w0 = time.process_time(), time.perf_counter()
        step(k)
        k += 1
        cpu.append((time.process_time() - c0) * 1e3)
        wall.append((time.perf_counter() - w0) * 1e3)
    rounds.append(statistics.median(cpu))
    wall_rounds.append(statistics.median(wall))
    step_cpu += cpu
    step_wall += wall

chars = B * T
ms = statistics.median(rounds)
wall_ms = statistics.median(wall_rounds)
print(json.dumps({
    'engine': 'pytorch',
    'torch': torch.__version__,
    'python': platform.python_version(),
    'threads': torch.get_num_threads(),
    'blas': next((l.strip() for l in torch.__config__.show().splitlines() if 'BLAS_INFO' in l or 'BLAS' in l), None),
    'mode': 'nn.Embedding -> nn.LSTM -> nn.Linear, time-major, F.cross_entropy, torch.optim.Adam (single-tensor)',
    'checkLosses': check_losses,
    'rounds': rounds,
    'wallRounds': wall_rounds,
    'stepCpuMs': step_cpu,
    'stepWallMs': step_wall,
    'msPerStep': ms,
    'wallMsPerStep': wall_ms,
    'charsPerSecond': chars / (ms / 1e3),
    'wallCharsPerSecond': chars / (wall_ms / 1e3),
    'loadavg': os.getloadavg(),
}))
