#!/usr/bin/python3
"""Writes the training fixtures of test/fixtures/train/ with PyTorch 1.13 (Debian's python3-torch).

    /usr/bin/python3 tools/make-optim-fixtures.py

For a few small models (nn.Sequential of Embedding / LSTM / Linear / Softmax / LogSoftmax / last step,
under the same names as the wasm-rnn Sequential of the test) it writes, as JSON:

  * `initial`: the state_dict every run starts from (float32 values),
  * `batches`: the inputs and targets of each step,
  * `gradients`: the first batch's loss, input gradient and parameter gradients, by PyTorch
    autograd in float64 (weights widened exactly from the float32 initial ones),
  * `runs`: for each optimizer configuration (SGD with momentum / dampening / weight decay, SGD
    Nesterov, Adam amsgrad with weight decay, Adam defaults, AdamW, RMSprop centered with
    momentum and weight decay; gradient clipping with clip_grad_norm_), the loss of every step and
    the final state_dict, trained in float32 as a PyTorch user would (zero_grad, forward, loss,
    backward, clip_grad_norm_, step), and the same run in float64 (`losses64`, `final64`) to show
    how far float32 rounding alone moves a trajectory.

Before anything is written, the float64 gradients of the losses (cross_entropy with
ignore_index, mse_loss) and of every parameter are checked against central finite differences
(float64, step 1e-6, relative error < 1e-6); the script fails otherwise.

Seeds are fixed: re-running reproduces the files (on the same torch build).
"""
import json
import os
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'train')
STEPS = 6


class LastStep(nn.Module):
    """out[-1] of a time-major sequence (wasm-rnn's LastStep)."""

    def forward(self, x):
        return x[-1]


class Softmax(nn.Softmax):
    def __init__(self):
        super().__init__(dim=-1)


class LogSoftmax(nn.LogSoftmax):
    def __init__(self):
        super().__init__(dim=-1)


class LSTMOutput(nn.LSTM):
    """nn.LSTM giving only its output sequence (what wasm-rnn's Sequential passes on)."""

    def forward(self, x):
        return super().forward(x)[0]


def floats(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def ints(t):
    return [int(v) for v in t.reshape(-1).tolist()]


# ---------------------------------------------------------------------------------------------
# Models: (name, layer specs for the test to rebuild, torch builder, batch maker, loss)

def layers_spec(model):
    out = []
    for name, m in model.named_children():
        if isinstance(m, nn.Embedding):
            out.append({'name': name, 'kind': 'Embedding', 'args': [m.num_embeddings, m.embedding_dim]})
        elif isinstance(m, nn.LSTM):
            out.append({'name': name, 'kind': 'LSTM', 'args': [m.input_size, m.hidden_size]})
        elif isinstance(m, nn.Linear):
            out.append({'name': name, 'kind': 'Linear', 'args': [m.in_features, m.out_features, m.bias is not None]})
        else:
            out.append({'name': name, 'kind': type(m).__name__, 'args': []})
    return out


def make_token_model():
    g = torch.Generator().manual_seed(11)
    V, E, T, B = 9, 5, 4, 3
    model = nn.Sequential(OrderedDict(emb=nn.Embedding(V, E), head=nn.Linear(E, V)))
    batches = []
    for s in range(STEPS):
        # ids from the first 6 of 9 rows only on even steps: rows without gradient on those steps
        hi = 6 if s % 2 == 0 else V
        x = torch.randint(0, hi, (T, B), generator=g)
        y = torch.randint(0, V, (T, B), generator=g)
        y[0, s % B] = -100  # one ignored target per batch
        batches.append((x, y))

    def loss(out, y):
        return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1), ignore_index=-100)

    return 'tokens', model, batches, 'crossEntropy', loss


def make_regression_model():
    g = torch.Generator().manual_seed(12)
    N, I, H, O = 5, 6, 8, 3
    model = nn.Sequential(OrderedDict(lin1=nn.Linear(I, H), act=LogSoftmax(), lin2=nn.Linear(H, O, bias=False)))
    batches = [(torch.randn(N, I, generator=g), torch.randn(N, O, generator=g)) for _ in range(STEPS)]
    return 'regression', model, batches, 'mse', F.mse_loss


def make_sequence_model():
    g = torch.Generator().manual_seed(13)
    T, B, I, C = 3, 2, 5, 11
    model = nn.Sequential(OrderedDict(proj=nn.Linear(I, C), soft=Softmax(), last=LastStep()))
    batches = [(torch.randn(T, B, I, generator=g), torch.rand(B, C, generator=g)) for _ in range(STEPS)]
    return 'sequence', model, batches, 'mse', F.mse_loss


def make_charlm_model():
    """A character model in small: Embedding -> LSTM -> Linear, time-major, cross-entropy."""
    g = torch.Generator().manual_seed(14)
    V, E, H, T, B = 9, 5, 7, 4, 3
    torch.manual_seed(14)
    model = nn.Sequential(OrderedDict(emb=nn.Embedding(V, E), lstm=LSTMOutput(E, H), head=nn.Linear(H, V)))
    batches = [(torch.randint(0, V, (T, B), generator=g), torch.randint(0, V, (T, B), generator=g)) for _ in range(STEPS)]

    def loss(out, y):
        return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))

    return 'charlm', model, batches, 'crossEntropy', loss


OPTIMIZERS = [
    ('sgd_momentum', 'SGD', dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01), 1.0),
    ('sgd_nesterov', 'SGD', dict(lr=0.05, momentum=0.8, nesterov=True), 0.5),
    ('adam_amsgrad', 'Adam', dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.01, amsgrad=True), 1.0),
    ('adam_default', 'Adam', dict(), None),
    ('adamw', 'AdamW', dict(lr=0.02, weight_decay=0.1), 2.0),
    ('rmsprop_centered', 'RMSprop', dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.01), 1.0),
    ('rmsprop_plain', 'RMSprop', dict(), 0.3),
]

CAMEL = {'weight_decay': 'weightDecay'}


def camel_options(opts):
    return {CAMEL.get(k, k): (list(v) if isinstance(v, tuple) else v) for k, v in opts.items()}


def cast_batch(batch, dtype):
    x, y = batch
    return (x if not x.is_floating_point() else x.to(dtype), y if not y.is_floating_point() else y.to(dtype))


# ---------------------------------------------------------------------------------------------
# Finite-difference checks (float64)

def check_close(name, analytic, numeric):
    err = (analytic - numeric).abs().max().item()
    scale = max(numeric.abs().max().item(), 1e-3)
    if err / scale > 1e-6:
        raise SystemExit(f'{name}: autograd and finite differences disagree (max error {err}, scale {scale})')


def fd_check_loss(name, loss_fn, pred, target):
    pred = pred.detach().clone().double().requires_grad_(True)
    loss_fn(pred, target).backward()
    numeric = torch.zeros_like(pred)
    flat = pred.detach().reshape(-1)
    h = 1e-6
    for i in range(flat.numel()):
        p = flat.clone()
        p[i] += h
        m = flat.clone()
        m[i] -= h
        numeric.view(-1)[i] = (loss_fn(p.view_as(pred), target) - loss_fn(m.view_as(pred), target)) / (2 * h)
    check_close(name, pred.grad, numeric)


def fd_check_params(name, model, loss_fn, x, y):
    model.zero_grad()
    loss_fn(model(x), y).backward()
    h = 1e-6
    with torch.no_grad():
        for pname, p in model.named_parameters():
            numeric = torch.zeros_like(p)
            flat = p.view(-1)
            for i in range(flat.numel()):
                old = flat[i].item()
                flat[i] = old + h
                lp = loss_fn(model(x), y).item()
                flat[i] = old - h
                lm = loss_fn(model(x), y).item()
                flat[i] = old
                numeric.view(-1)[i] = (lp - lm) / (2 * h)
            check_close(f'{name}: {pname}', p.grad, numeric)


# ---------------------------------------------------------------------------------------------

def train(model, batches, loss_fn, opt_class, opts, clip, dtype):
    model = model.to(dtype)
    opt = getattr(torch.optim, opt_class)(model.parameters(), **opts)
    losses = []
    for batch in batches:
        x, y = cast_batch(batch, dtype)
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        losses.append(loss.item())
    return losses, OrderedDict((k, floats(v)) for k, v in model.state_dict().items())


def main():
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    for make in (make_token_model, make_regression_model, make_sequence_model, make_charlm_model):
        name, model, batches, loss_name, loss_fn = make()
        initial = OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items())

        def fresh(dtype):
            m = make()[1]
            m.load_state_dict(initial)
            return m.to(dtype)

        # float64 gradients of the first batch, checked against finite differences
        m64 = fresh(torch.float64)
        x, y = cast_batch(batches[0], torch.float64)
        fd_check_params(name, m64, loss_fn, x, y)
        out = m64(x if not x.is_floating_point() else x)
        fd_check_loss(f'{name}: {loss_name}', loss_fn, out.detach(), y)
        m64.zero_grad()
        xin = x.clone().requires_grad_(True) if x.is_floating_point() else x
        out = m64(xin)
        loss = loss_fn(out, y)
        loss.backward()
        gradients = {
            'loss': loss.item(),
            'input': floats(xin.grad) if x.is_floating_point() else None,
            'params': OrderedDict((k, floats(p.grad)) for k, p in m64.named_parameters()),
        }

        runs = []
        for run_name, opt_class, opts, clip in OPTIMIZERS:
            losses, final = train(fresh(torch.float32), batches, loss_fn, opt_class, opts, clip, torch.float32)
            losses64, final64 = train(fresh(torch.float64), batches, loss_fn, opt_class, opts, clip, torch.float64)
            runs.append({
                'name': run_name, 'optimizer': opt_class, 'options': camel_options(opts), 'clipNorm': clip,
                'losses': losses, 'final': final, 'losses64': losses64, 'final64': final64,
            })

        fixture = {
            'torch': torch.__version__,
            'model': name,
            'layers': layers_spec(model),
            'loss': loss_name,
            'initial': OrderedDict((k, {'shape': list(v.shape), 'data': floats(v)}) for k, v in initial.items()),
            'stateDictKeys': list(model.state_dict().keys()),
            'batches': [
                {
                    'input': {'shape': list(x.shape), 'data': floats(x) if x.is_floating_point() else ints(x), 'dtype': 'float32' if x.is_floating_point() else 'int64'},
                    'target': {'shape': list(y.shape), 'data': floats(y) if y.is_floating_point() else ints(y), 'dtype': 'float32' if y.is_floating_point() else 'int64'},
                }
                for x, y in batches
            ],
            'gradients': gradients,
            'runs': runs,
        }
        path = os.path.join(OUT, f'{name}.json')
        with open(path, 'w') as f:
            json.dump(fixture, f, separators=(',', ':'))
        print('wrote', path)


if __name__ == '__main__':
    main()
