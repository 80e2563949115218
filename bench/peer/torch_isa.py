"""Peer reference: what the PyTorch side actually runs on this machine, under the environment it is given.
Usage: /usr/bin/python3 torch_isa.py
Prints 'openblas_core=NAME' (OpenBLAS's kernel, as openblas_get_corename reports it), 'aten_capability=X'
(ATen's own vector kernels) and 'onednn_isa=X' (the JIT kernel oneDNN chose for a small convolution)."""
import ctypes, io, os, re, subprocess, sys

if sys.argv[1:] == ["--onednn-probe"]:
    import torch, torch.nn.functional as F
    F.conv2d(torch.randn(2, 16, 8, 8), torch.randn(16, 16, 3, 3), None, 1, 1)
    sys.exit(0)

import torch

maps = open("/proc/self/maps").read()
libs = sorted(set(re.findall(r"(/\S*libopenblas\S*\.so\S*)", maps)))
core = "none loaded"
if libs:
    lib = ctypes.CDLL(libs[0])
    lib.openblas_get_corename.restype = ctypes.c_char_p
    core = lib.openblas_get_corename().decode()
print(f"openblas_core={core}")
m = re.search(r"CPU capability usage: (\S+)", torch.__config__.show())
print(f"aten_capability={m.group(1) if m else 'unknown'}")
env = dict(os.environ, DNNL_VERBOSE="1", ONEDNN_VERBOSE="1")
out = subprocess.run([sys.executable, __file__, "--onednn-probe"], env=env, capture_output=True, text=True).stdout
m = re.search(r"convolution,jit:(\w+)", out) or re.search(r"convolution,(\w+)", out)
print(f"onednn_isa={m.group(1) if m else 'unknown'}")
print(f"torch_version={torch.__version__}")
