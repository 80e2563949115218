"""Peer reference: PyTorch (Debian python3-torch, CPU, oneDNN) for the layer benchmarks: each ResNet-20
convolution shape (forward, input gradient, weight gradient) and training-mode batch norm, at batch 64.
Usage: /usr/bin/python3 torch_layers.py [--threads T]
Prints 'torch conv SHAPE PASS us=X' and 'torch bn SHAPE PASS us=X' lines; shape names as in
bench/src/main/java/dev/panagrad/bench/ResNet20Convolutions.java."""
import re, sys, time, torch, torch.nn.functional as F

threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
torch.set_num_threads(threads)
torch.manual_seed(0)
BATCH = 64
SHAPES = "c3-16-32s1,c16-16-32s1,c16-32-32s2,p16-32-32s2,c32-32-16s1,c32-64-16s2,p32-64-16s2,c64-64-8s1".split(",")


def timed(fn, rounds=5, min_time=0.2):
    """Microseconds per call: the best of several rounds, each a mean over at least min_time, so that a
    slow stretch of a second or so (seen on some shapes, at ten times the usual time) does not decide the
    number. Where a shape stays that slow, compare.py marks its ratio odd."""
    for _ in range(3):
        fn()
    best = float("inf")
    for _ in range(rounds):
        reps, start = 0, time.perf_counter()
        while time.perf_counter() - start < min_time:
            fn(); reps += 1
        best = min(best, (time.perf_counter() - start) / reps * 1e6)
    return best


for name in SHAPES:
    cin, cout, size, stride = map(int, re.split("[-s]", name[1:]))
    k, pad = (1, 0) if name[0] == "p" else (3, 1)
    x = torch.randn(BATCH, cin, size, size)
    w = torch.randn(cout, cin, k, k)
    y = F.conv2d(x, w, None, stride, pad)
    gy = torch.randn_like(y)
    print(f"torch conv {name} forward us={timed(lambda: F.conv2d(x, w, None, stride, pad)):.1f}")
    # Backward passes timed on their own: one graph, kept with retain_graph, differentiated again and again.
    xg = x.clone().requires_grad_(True)
    yx = F.conv2d(xg, w, None, stride, pad)
    print(f"torch conv {name} backwardInput us={timed(lambda: torch.autograd.grad(yx, xg, gy, retain_graph=True)):.1f}")
    wg = w.clone().requires_grad_(True)
    yw = F.conv2d(x, wg, None, stride, pad)
    print(f"torch conv {name} backwardWeight us={timed(lambda: torch.autograd.grad(yw, wg, gy, retain_graph=True)):.1f}")
    sys.stdout.flush()

for c, s in ((16, 32), (32, 16), (64, 8)):
    x = torch.randn(BATCH, c, s, s, requires_grad=True)
    gamma = torch.ones(c, requires_grad=True); beta = torch.zeros(c, requires_grad=True)
    rm, rv = torch.zeros(c), torch.ones(c)
    gy = torch.randn(BATCH, c, s, s)
    with torch.no_grad():
        fwd = timed(lambda: F.batch_norm(x, rm, rv, gamma, beta, True, 0.1, 1e-5))
    print(f"torch bn {c}x{s} forward us={fwd:.1f}")
    def both():
        torch.autograd.grad(F.batch_norm(x, rm, rv, gamma, beta, True, 0.1, 1e-5), (x, gamma, beta), gy)
    print(f"torch bn {c}x{s} forwardBackward us={timed(both):.1f}")
