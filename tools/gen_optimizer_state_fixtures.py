"""PyTorch's side of the optimizer-state round trip (issue 16: "optimizer state saved the same
way"). tools/train-roundtrip.mjs trained the lstm round-trip model with each optimizer
configuration for `steps` steps in wasm-rnn and wrote, per configuration,
  optstate-<config>-weights.safetensors   model.stateDict()
  optstate-<config>.safetensors           optimizer.stateDict({ layout: 'torch' })
and optstate-batches.json (the configurations, the clip norm and the next two batches).
Here each pair is loaded into torch.nn modules and a torch.optim optimizer (load_state_dict of the
model, strict, and of the optimizer, from the flat tensors exactly as docs/training.md describes),
which then takes the next two steps (zero_grad, forward, cross-entropy, backward,
clip_grad_norm_, step) in float32 and in float64. Writes
  optstate-torch.json                     per configuration: the losses of the two steps (float32
                                          and float64 runs) and, per step and parameter, the
                                          largest |float32 - float64| of the weights after it
  optstate-<config>-torch-weights.safetensors   every weight after each of the two steps (float32
                                          run): `after1.<parameter>`, `after2.<parameter>`
  optstate-<config>-torch.safetensors     PyTorch's optimizer state after the first of them
                                          (float32 run), flattened the same way, for the reverse
                                          direction (PyTorch's state loaded into wasm-rnn)

  /usr/bin/python3 tools/gen_optimizer_state_fixtures.py     (PyTorch 1.13)
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_safetensors import read_safetensors, write_safetensors  # noqa: E402
from gen_train_roundtrip import FIX, VOCAB, make  # noqa: E402

OPTIONS = {"lr": "lr", "betas": "betas", "eps": "eps", "weightDecay": "weight_decay", "amsgrad": "amsgrad", "momentum": "momentum",
           "dampening": "dampening", "nesterov": "nesterov", "alpha": "alpha", "centered": "centered"}


def optimizer_of(config, params):
    kwargs = {OPTIONS[k]: (tuple(v) if k == "betas" else v) for k, v in config["options"].items()}
    return getattr(torch.optim, config["cls"])(params, **kwargs)


def load_flat_state(optimizer, model, flat):
    """The flat `<parameter>.<slot>` tensors into optimizer.load_state_dict, by parameter order."""
    state = {}
    for i, (name, _) in enumerate(model.named_parameters()):
        entry = {k[len(name) + 1 :]: v for k, v in flat.items() if k.startswith(name + ".") and "." not in k[len(name) + 1 :]}
        if entry:
            state[i] = entry
    assert sum(len(e) for e in state.values()) == len(flat), "every flat tensor names a parameter"
    optimizer.load_state_dict({"state": state, "param_groups": optimizer.state_dict()["param_groups"]})


def flatten_state(optimizer, model):
    sd = optimizer.state_dict()["state"]
    out = []
    for i, (name, _) in enumerate(model.named_parameters()):
        for slot, v in sd.get(i, {}).items():
            if v is not None:
                out.append((f"{name}.{slot}", v.detach().float().clone()))
    return out


def main():
    spec = json.load(open(os.path.join(FIX, "optstate-batches.json")))
    out = {"torch": torch.__version__, "steps": spec["steps"], "configs": {}}
    for cfg_name, config in spec["configs"].items():
        weights, meta = read_safetensors(os.path.join(FIX, f"optstate-{cfg_name}-weights.safetensors"))
        flat, _ = read_safetensors(os.path.join(FIX, f"optstate-{cfg_name}.safetensors"))
        assert json.loads(meta["config"]) == config
        res = {}
        for dtype, label in [(torch.float32, "float32"), (torch.float64, "float64")]:
            model = make(spec["model"]).to(dtype)
            model.load_state_dict({k: v.to(dtype) for k, v in weights.items()}, strict=True)
            optimizer = optimizer_of(config, model.parameters())
            load_flat_state(optimizer, model, {k: v.clone() for k, v in flat.items()})
            losses, after = [], []
            for k, b in enumerate(spec["batches"]):
                ids = torch.tensor(b["input"]["data"], dtype=torch.int64).reshape(b["input"]["shape"])
                target = torch.tensor(b["target"]["data"], dtype=torch.int64).reshape(-1)
                optimizer.zero_grad()
                loss = F.cross_entropy(model(ids).reshape(-1, VOCAB), target)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), spec["clipNorm"])
                optimizer.step()
                losses.append(float(loss))
                after.append({n: p.detach().clone() for n, p in model.named_parameters()})
                if k == 0 and dtype == torch.float32:
                    write_safetensors(os.path.join(FIX, f"optstate-{cfg_name}-torch.safetensors"), flatten_state(optimizer, model),
                                      {"torch": torch.__version__, "config": json.dumps(config), "after_step": str(spec["steps"] + 1)})
            res[label] = {"losses": losses, "weights": after}
        w32, w64 = res["float32"]["weights"], res["float64"]["weights"]
        write_safetensors(os.path.join(FIX, f"optstate-{cfg_name}-torch-weights.safetensors"),
                          [(f"after{k + 1}.{n}", t) for k, step in enumerate(w32) for n, t in step.items()],
                          {"torch": torch.__version__, "config": json.dumps(config)})
        out["configs"][cfg_name] = {
            "losses_float32": res["float32"]["losses"],
            "losses_float64": res["float64"]["losses"],
            "max_abs_f32_vs_f64": [{n: float((w32[k][n].double() - w64[k][n]).abs().max()) for n in w32[k]} for k in range(len(w32))],
        }
        print(cfg_name, "losses f32", res["float32"]["losses"], "f64", res["float64"]["losses"])
    with open(os.path.join(FIX, "optstate-torch.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
