#!/usr/bin/env python3
"""Writes a PyTorch model's state_dict (a file saved with torch.save(model.state_dict(), ...)) as a
safetensors file that Panagrad loads, for instance a teacher trained in PyTorch to be distilled here.

Usage: /usr/bin/python3 nn/scripts/torch_to_safetensors.py MODEL IN.pt OUT.safetensors [--classes N] [--in-channels C]
The state dict is first loaded strictly into the zoo model MODEL, so names and shapes are checked here."""
import argparse

import torch

import safetensors_io
import torch_models


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--classes", type=int, default=100)
    ap.add_argument("--in-channels", type=int, default=3)
    a = ap.parse_args()
    state = torch.load(a.input, map_location="cpu")
    if isinstance(state, torch.nn.Module):
        state = state.state_dict()
    model = torch_models.create(a.model, a.classes, a.in_channels)
    model.load_state_dict(state, strict=True)
    tensors = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
    safetensors_io.write(a.output, tensors, {"format": "pt", "source": "pytorch", "model": a.model})
    print(f"wrote {a.output}: {len(tensors)} tensors")


if __name__ == "__main__":
    main()
