"""PyTorch CUDA on the workloads that Panagrad's GpuRun times on OpenCL, on the same GPU: fp32 with TF32
off, then TF32 on. Timed like GpuRun: one warm-up run, then the mean over at least 3 runs and 1 s, each
run ending in torch.cuda.synchronize().
Usage: python3 torch_gpu.py OUTDIR [--quick]
Writes OUTDIR/torch.tsv (workload, engine, value, unit, ms, note) and OUTDIR/torch.txt (versions). Where
torch has no CUDA device it says so in torch.txt and writes no rows."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peer"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

out = sys.argv[1]
quick = "--quick" in sys.argv[2:]
os.makedirs(out, exist_ok=True)
try:
    import torch
    from cifar_models import ResNet, cc_psi, training_step
except ImportError as e:
    open(os.path.join(out, "torch.txt"), "w").write(f"not run: {e}\n")
    print(f"torch_gpu: {e}")
    sys.exit(0)

if not torch.cuda.is_available():
    open(os.path.join(out, "torch.txt"), "w").write(f"torch {torch.__version__} has no CUDA device: no PyTorch rows\n")
    print(f"torch_gpu: torch {torch.__version__} has no CUDA device")
    sys.exit(0)

dev = torch.device("cuda")
rows = []


def timed(body, min_seconds=1.0, min_reps=3, max_reps=50):
    body()
    torch.cuda.synchronize()
    reps, start = 0, time.perf_counter()
    while reps < max_reps and (reps < min_reps or time.perf_counter() - start < min_seconds):
        body()
        torch.cuda.synchronize()
        reps += 1
    return (time.perf_counter() - start) / reps * 1e3


def record(workload, engine, value, unit, ms):
    rows.append(f"{workload}\t{engine}\t{value:.6g}\t{unit}\t{ms:.6g}\t")
    print(f"  {engine:16s} {workload:32s} {value:12.1f} {unit} ({ms:.3f} ms)", flush=True)


def train(engine, depth, batch):
    _, _, step = training_step(depth, batch, dev)
    ms = timed(step)
    record(f"resnet{depth} train batch={batch}", engine, batch / ms * 1e3, "img/s", ms)


def infer(engine, depth, batch):
    torch.manual_seed(0)
    m = ResNet(depth).to(dev).eval()
    x = torch.randn(batch, 3, 32, 32, device=dev)

    def run():
        with torch.no_grad():
            m(x)

    ms = timed(run)
    record(f"resnet{depth} infer batch={batch}", engine, batch / ms * 1e3, "img/s", ms)


def cc(engine, n, d):
    torch.manual_seed(0)
    fs = torch.randn(n, d, device=dev, requires_grad=True)
    ct = cc_psi(torch.randn(n, d, device=dev)).detach()

    def step():
        fs.grad = None
        ((cc_psi(fs) - ct) ** 2).mean().backward()

    ms = timed(step)
    record(f"cc loss n={n} d={d}", engine, ms, "ms", ms)


def gemm(engine, n):
    torch.manual_seed(0)
    a = torch.randn(n, n, device=dev)
    b = torch.randn(n, n, device=dev)
    c = torch.empty(n, n, device=dev)
    ms = timed(lambda: torch.mm(a, b, out=c))
    record(f"gemm n={n}", engine, 2.0 * n ** 3 / ms / 1e6, "GFLOPS", ms)


# ResNet-20's convolution shapes, each pass alone (GpuRun's "convolution layers"): in, out, size, kernel, stride.
LAYERS = [(16, 16, 32, 3, 1), (32, 32, 16, 3, 1), (64, 64, 8, 3, 1), (3, 16, 32, 3, 1), (16, 32, 32, 3, 2),
          (32, 64, 16, 3, 2), (16, 32, 32, 1, 2), (32, 64, 16, 1, 2)]


def conv_layers(engine, batch):
    torch.manual_seed(0)
    for cin, cout, size, k, stride in LAYERS[:3] if quick else LAYERS:
        pad = k // 2
        x = torch.randn(batch, cin, size, size, device=dev)
        w = torch.randn(cout, cin, k, k, device=dev)
        y = torch.nn.functional.conv2d(x, w, stride=stride, padding=pad)
        gy = torch.randn_like(y)
        flops = 2.0 * batch * cout * y.shape[2] * y.shape[3] * cin * k * k
        layer = f"conv {k}x{k} {cin}->{cout} on {size}x{size}{f' stride {stride}' if stride > 1 else ''}, batch {batch}"
        passes = [("forward", lambda: torch.nn.functional.conv2d(x, w, stride=stride, padding=pad)),
                  ("input gradient", lambda: torch.nn.grad.conv2d_input(x.shape, w, gy, stride=stride, padding=pad)),
                  ("weight gradient", lambda: torch.nn.grad.conv2d_weight(x, w.shape, gy, stride=stride, padding=pad))]
        for name, body in passes:
            ms = timed(body, min_seconds=0.3)
            record(f"{layer}, {name}", engine, flops / ms / 1e6, "GFLOPS", ms)


big, small = (8, 4) if quick else (256, 64)
for tf32 in (False, True):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    engine = "torch cuda tf32" if tf32 else "torch cuda fp32"
    for n in ((128, 256) if quick else (1024, 2048, 4096)):
        gemm(engine, n)
    train(engine, 20, big)
    train(engine, 20, small)
    train(engine, 56, small)
    train(engine, 56, big)
    infer(engine, 20, big)
    cc(engine, *((64, 32) if quick else (1024, 256)))
    if not tf32:
        conv_layers(engine, big)

open(os.path.join(out, "torch.tsv"), "w").write("\n".join(rows) + "\n")
open(os.path.join(out, "torch.txt"), "w").write(
    f"torch {torch.__version__}, CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}, "
    f"{torch.cuda.get_device_name(0)}; cudnn.benchmark {torch.backends.cudnn.benchmark}\n")
