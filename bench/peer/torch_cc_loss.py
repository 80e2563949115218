"""Peer reference: the correlation-congruence loss (Gaussian-Taylor kernel, P = 2, gamma = 0.4, rows
L2-normalised, mean of squared differences of the n x n correlation matrices) in PyTorch, forward and
backward, as bench's CcLossBench computes it.
Usage: /usr/bin/python3 torch_cc_loss.py [--threads 2] [n,d ...]   (default 64,64 64,256 256,64 ...)
Prints one line per shape: 'torch cc n=N d=D us=T'."""
import sys
import time

import torch

from cifar_models import cc_psi as psi

threads = 2
args = sys.argv[1:]
if "--threads" in args:
    i = args.index("--threads")
    threads = int(args[i + 1])
    del args[i:i + 2]
torch.set_num_threads(threads)
shapes = [tuple(map(int, a.split(","))) for a in args] or [(n, d) for n in (64, 256, 1024) for d in (64, 256)]

for n, d in shapes:
    fs = torch.randn(n, d, requires_grad=True)
    ct = psi(torch.randn(n, d)).detach()

    def step():
        fs.grad = None
        ((psi(fs) - ct) ** 2).mean().backward()

    for _ in range(20):
        step()
    reps = max(20, int(2e8 / (n * n * d + 1)))
    t = time.perf_counter()
    for _ in range(reps):
        step()
    dt = (time.perf_counter() - t) / reps
    print(f"torch cc n={n} d={d} us={dt * 1e6:.1f}")
