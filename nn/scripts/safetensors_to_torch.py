#!/usr/bin/env python3
"""Loads a Panagrad model checkpoint (safetensors, PyTorch parameter names) into the matching PyTorch
model and saves that model's state_dict with torch.save.

Usage: /usr/bin/python3 nn/scripts/safetensors_to_torch.py MODEL IN.safetensors OUT.pt [--classes N] [--in-channels C]
MODEL is a zoo name such as resnet20 (see torch_models.NAMES). Optimizer entries of a training
checkpoint ("optimizer.*") are skipped. Loading is strict: every name and shape must match."""
import argparse

import torch

import safetensors_io
import torch_models


def load(model_name, path, classes, in_channels):
    tensors, meta = safetensors_io.read(path)
    state = {k: torch.from_numpy(v) for k, v in tensors.items() if not k.startswith("optimizer.")}
    model = torch_models.create(model_name, classes, in_channels)
    model.load_state_dict(state, strict=True)
    return model, meta


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--classes", type=int, default=100)
    ap.add_argument("--in-channels", type=int, default=3)
    a = ap.parse_args()
    model, meta = load(a.model, a.input, a.classes, a.in_channels)
    torch.save(model.state_dict(), a.output)
    print(f"loaded {a.input} into {a.model} ({sum(p.numel() for p in model.parameters())} parameters), "
          f"saved {a.output}; metadata {meta}")


if __name__ == "__main__":
    main()
