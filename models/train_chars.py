"""Character-level English word generator: Embedding(27, 16) -> LSTM(16, 80, 2 layers) -> Linear(80, 27).

Data: /usr/share/dict/american-english from Debian's `wamerican` package (SCOWL, size 50; see
models/README.md for the provenance and licence). Kept: the 63,875 entries made only of a-z
(proper nouns, possessives and accented words dropped). Vocabulary: '\n' (index 0, the word
separator: a word is generated from the prompt '\n' until the next '\n') then 'a'..'z'.
Split: a fixed seeded permutation, 95% train / 5% validation.

    apt-get install -y wamerican
    /usr/bin/python3 models/train_chars.py      # ~4 minutes on 2 cores
"""
import hashlib
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import save_model, save_reference, setup  # noqa: E402

WORDLIST = "/usr/share/dict/american-english"
VOCAB = "\n" + "abcdefghijklmnopqrstuvwxyz"
EMB, HIDDEN, LAYERS = 16, 80, 2
EPOCHS, BATCH = 10, 256
STOI = {c: i for i, c in enumerate(VOCAB)}


class CharModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(len(VOCAB), EMB)
        self.lstm = nn.LSTM(EMB, HIDDEN, LAYERS, batch_first=True)
        self.head = nn.Linear(HIDDEN, len(VOCAB))

    def forward(self, ids, state=None):
        out, state = self.lstm(self.emb(ids), state)
        return self.head(out), state


def encode(s):
    return [STOI[c] for c in s]


def batches(words, rng, shuffle):
    # length-bucketed batches (little padding), in a seeded random order
    order = sorted(range(len(words)), key=lambda j: (len(words[j]), words[j]))
    starts = list(range(0, len(order), BATCH))
    if shuffle:
        rng.shuffle(order)
        order.sort(key=lambda j: len(words[j]))  # stable: random within each length
        rng.shuffle(starts)
    for i in starts:
        chunk = [words[j] for j in order[i:i + BATCH]]
        t = max(len(w) for w in chunk) + 1
        x = torch.zeros(len(chunk), t, dtype=torch.long)  # padded with '\n' (never scored)
        y = torch.full((len(chunk), t), -100, dtype=torch.long)
        for b, w in enumerate(chunk):
            ids = encode(w)
            x[b, 1:len(ids) + 1] = torch.tensor(ids)
            y[b, :len(ids)] = torch.tensor(ids)
            y[b, len(ids)] = 0  # the word ends with '\n'
        yield x, y


def evaluate(model, words):
    model.eval()
    tot, n, correct = 0.0, 0, 0
    with torch.no_grad():
        for x, y in batches(words, None, False):
            logits, _ = model(x)
            mask = y != -100
            tot += nn.functional.cross_entropy(logits[mask], y[mask], reduction="sum").item()
            correct += (logits[mask].argmax(-1) == y[mask]).sum().item()
            n += mask.sum().item()
    return tot / n, correct / n


def sample_words(model, n, temperature, gen):
    out = []
    with torch.no_grad():
        for _ in range(n):
            ids, state, word = torch.zeros(1, 1, dtype=torch.long), None, ""
            for _ in range(30):
                logits, state = model(ids, state)
                p = torch.softmax(logits[0, -1] / temperature, -1)
                k = torch.multinomial(p, 1, generator=gen).item()
                if k == 0:
                    break
                word += VOCAB[k]
                ids = torch.tensor([[k]])
            out.append(word)
    return out


def greedy(model, prompt, max_tokens):
    with torch.no_grad():
        logits, state = model(torch.tensor([encode(prompt)]))
        toks = []
        for _ in range(max_tokens):
            k = logits[0, -1].argmax().item()
            toks.append(k)
            logits, state = model(torch.tensor([[k]]), state)
    return toks


def main():
    setup(1234)
    raw = open(WORDLIST, "rb").read()
    words = sorted({w for w in raw.decode("utf-8").split("\n") if w and all("a" <= c <= "z" for c in w)})
    rng = random.Random(1234)
    perm = list(range(len(words)))
    rng.shuffle(perm)
    nval = len(words) // 20
    val = [words[i] for i in perm[:nval]]
    train = [words[i] for i in perm[nval:]]
    print(f"{len(words)} words ({len(train)} train, {len(val)} val), sha256 {hashlib.sha256(raw).hexdigest()}")

    model = CharModel()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, EPOCHS)
    t0 = time.time()
    for epoch in range(EPOCHS):
        model.train()
        tot, n = 0.0, 0
        for x, y in batches(train, rng, True):
            logits, _ = model(x)
            loss = nn.functional.cross_entropy(logits.reshape(-1, len(VOCAB)), y.reshape(-1), ignore_index=-100)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            m = (y != -100).sum().item()
            tot += loss.item() * m
            n += m
        sched.step()
        vl, va = evaluate(model, val)
        print(f"epoch {epoch + 1}: train {tot / n:.4f} val {vl:.4f} nats/char, val next-char acc {va:.3f} ({time.time() - t0:.0f}s)", flush=True)

    train_loss, train_acc = evaluate(model, train)
    val_loss, val_acc = evaluate(model, val)
    gen = torch.Generator().manual_seed(7)
    samples = sample_words(model, 1000, 1.0, gen)
    train_set, val_set = set(train), set(val)
    in_train = sum(w in train_set for w in samples) / len(samples)
    in_val = sum(w in val_set for w in samples) / len(samples)
    config = {
        "name": "chars",
        "task": "character-level English word generator (one-to-many)",
        "layers": [
            {"name": "emb", "type": "Embedding", "numEmbeddings": len(VOCAB), "embeddingDim": EMB},
            {"name": "lstm", "type": "LSTM", "inputSize": EMB, "hiddenSize": HIDDEN, "numLayers": LAYERS, "batchFirst": True},
            {"name": "head", "type": "Linear", "inFeatures": HIDDEN, "outFeatures": len(VOCAB)},
        ],
        "vocab": VOCAB,
        "bos": 0,
        "eos": 0,
        "data": "wamerican 2020.12.07 /usr/share/dict/american-english, a-z-only entries",
    }
    model.eval()
    path, size, nparams = save_model("chars", model, config)
    card = {
        "params": nparams, "bytes": size, "epochs": EPOCHS, "train_seconds": round(time.time() - t0),
        "train_loss": round(train_loss, 4), "val_loss": round(val_loss, 4),
        "val_perplexity": round(math.exp(val_loss), 3), "val_next_char_accuracy": round(val_acc, 4),
        "train_next_char_accuracy": round(train_acc, 4),
        "samples_T1_real_train_word": in_train, "samples_T1_real_val_word": in_val,
        "samples": samples[:20],
    }
    print(json.dumps(card, indent=1))

    # reference outputs: logits over fixed prompts, a padded batch, and greedy completions
    ref = {}
    prompts = ["\n", "\nq", "\nstr", "\nwasm", "\nrecurren"]
    with torch.no_grad():
        for i, p in enumerate(prompts):
            ids = torch.tensor([encode(p)])
            ref[f"prompt{i}.ids"] = ids[0].int()
            ref[f"prompt{i}.logits"] = model(ids)[0][0]
            ref[f"prompt{i}.greedy"] = torch.tensor(greedy(model, p, 16), dtype=torch.int32)
        bx = torch.tensor([encode("\nhello\n\n"), encode("\nworlds\n"), encode("\nlstm\nab")])
        ref["batch.ids"] = bx.int()
        ref["batch.logits"] = model(bx)[0]
    save_reference("chars", ref, {"prompts": json.dumps(prompts)})
    with open(os.path.join(os.path.dirname(path), "chars.card.json"), "w") as f:
        json.dump(card, f, indent=1)


if __name__ == "__main__":
    main()
