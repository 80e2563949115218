#!/usr/bin/env python3
"""Runs Panagrad's JMH benchmarks and the PyTorch reference on the same machine, one right after the
other, and prepends a table of ratios to bench/RESULTS.md (earlier results stay below).

Usage: python3 bench/compare.py [--threads 2] [--sizes 256,512,1024] [--quick]
Needs: bench/target/benchmarks.jar (mvn -q package -pl bench -am -DskipTests), a JDK 25 (bin/find-java),
and for the reference Debian's python3-torch with OpenBLAS (apt-get install python3-torch libopenblas0-pthread),
run with /usr/bin/python3.
"""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAR = os.path.join(ROOT, "bench", "target", "benchmarks.jar")
PEER = os.path.join(ROOT, "bench", "peer")
RESULTS = os.path.join(ROOT, "bench", "RESULTS.md")
TORCH_PYTHON = "/usr/bin/python3"


def java():
    return subprocess.run([os.path.join(ROOT, "bin", "find-java")], check=True, capture_output=True,
                          text=True).stdout.strip()


def run_jmh(pattern, params, threads, quick, jvm_args=()):
    """Runs one JMH benchmark pattern; returns {param-string: (score, unit)}."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    cmd = [java(), "--add-modules=jdk.incubator.vector", "-jar", JAR, pattern, "-rf", "json", "-rff", out,
           "-jvmArgsPrepend", " ".join([f"-Dpanagrad.threads={threads}", *jvm_args])]  # -jvmArgsAppend would replace each benchmark's own flags
    for k, v in params.items():
        cmd += ["-p", f"{k}={v}"]
    if quick:
        cmd += ["-wi", "2", "-i", "3"]
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    with open(out) as f:
        data = json.load(f)
    os.unlink(out)
    results = {}
    for r in data:
        key = ",".join(f"{k}={v}" for k, v in sorted(r.get("params", {}).items()))
        results[key] = (r["primaryMetric"]["score"], r["primaryMetric"]["scoreUnit"], r["primaryMetric"]["scoreError"])
    return results


def run_peer(script, args):
    cmd = [TORCH_PYTHON, os.path.join(PEER, script)] + [str(a) for a in args]
    print("$", " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def machine():
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"model name\s*:\s*(.*)", f.read())
            cpu = m.group(1) if m else cpu
    except OSError:
        pass
    jdk = subprocess.run([java(), "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    return f"{cpu}, {os.cpu_count()} cores, {jdk}"


def gemm_rows(sizes, threads, quick):
    ours = run_jmh("GemmBench", {"n": ",".join(map(str, sizes))}, threads, quick)
    peer = run_peer("torch_sgemm.py", sizes + ["--threads", threads])
    torch = {int(m.group(1)): float(m.group(2)) for m in re.finditer(r"n=(\d+) GFLOPS=([\d.]+)", peer)}
    rows = []
    for n in sizes:
        ms, unit, err = ours[f"n={n}"]
        assert unit == "ms/op", unit
        gflops = 2 * n ** 3 / (ms * 1e-3) / 1e9
        rows.append((f"sgemm n={n} (GFLOPS)", f"{gflops:.1f} (±{err / ms * 100:.0f}%)", f"{torch[n]:.1f}",
                     f"{gflops / torch[n]:.2f}x"))
    return rows


def resnet_rows(depths, batch, threads, quick):
    ours = run_jmh("ResNetTrainStepBench", {"depth": ",".join(map(str, depths)), "batch": batch}, threads, quick)
    rows = []
    for d in depths:
        peer = run_peer("torch_resnet_cifar.py", [d, batch, 10, threads])
        m = re.search(r"train batch=\d+: ([\d.]+) img/s", peer)
        torch_ips = float(m.group(1))
        ms, unit, err = ours[f"batch={batch},depth={d}"]
        assert unit == "ms/op", unit
        ips = batch / (ms / 1000)
        rows.append((f"resnet{d} train step, batch {batch} (images/s)", f"{ips:.1f} (±{err / ms * 100:.0f}%)",
                     f"{torch_ips:.1f}", f"{ips / torch_ips:.2f}x"))
    return rows


def loader_rows(threads, quick):
    ours = run_jmh("LoaderBench", {"workers": "0,1,2"}, threads, quick)
    rows = []
    for w in (0, 1, 2):
        us, unit, err = ours[f"workers={w}"]
        assert unit == "us/op", unit
        rows.append((f"loader, batch 64 of 32x32x3, crop+flip+normalize, {w} workers (images/s)",
                     f"{64 / (us * 1e-6):.0f} (±{err / us * 100:.0f}%)", "n/a", "n/a"))
    return rows


def cc_rows(threads, quick):
    ours = run_jmh("CcLossBench", {"n": "64,256,1024", "d": "64,256"}, threads, quick)
    peer = run_peer("torch_cc_loss.py", ["--threads", threads])
    torch_us = {(int(m.group(1)), int(m.group(2))): float(m.group(3))
                for m in re.finditer(r"n=(\d+) d=(\d+) us=([\d.]+)", peer)}
    rows = []
    for n in (64, 256, 1024):
        for d in (64, 256):
            us, unit, err = ours[f"d={d},n={n}"]
            assert unit == "us/op", unit
            rows.append((f"CC loss forward+backward n={n} d={d} (us, lower is better)", f"{us:.1f} (±{err / us * 100:.0f}%)",
                         f"{torch_us[(n, d)]:.1f}", f"{torch_us[(n, d)] / us:.2f}x"))
    return rows


def conv_rows(threads, quick):
    """Each ResNet-20 convolution at batch 64, three passes, beside PyTorch (oneDNN)."""
    peer = run_peer("torch_layers.py", ["--threads", threads])
    torch = {(m.group(1), m.group(2)): float(m.group(3))
             for m in re.finditer(r"torch conv (\S+) (\w+) us=([\d.]+)", peer)}
    bn_torch = {(m.group(1), m.group(2)): float(m.group(3))
                for m in re.finditer(r"torch bn (\S+) (\w+) us=([\d.]+)", peer)}
    # run_jmh keys results by parameters only, so each benchmark method runs on its own.
    rows = []
    for method in ("forward", "backwardInput", "backwardWeight"):
        res = run_jmh(f"Conv2dBench.{method}$", {}, threads, quick)
        for key, (us, unit, err) in sorted(res.items(), key=lambda kv: kv[0]):
            shape = dict(kv.split("=") for kv in key.split(","))["shape"]
            t = torch[(shape, method)]
            rows.append((f"conv {shape} {method}, batch 64 (us, lower is better)", f"{us:.0f} (±{err / us * 100:.0f}%)",
                         f"{t:.0f}", f"{t / us:.2f}x"))
    for method in ("forward", "forwardBackward"):
        res = run_jmh(f"BatchNormBench.{method}$", {}, threads, quick)
        for key, (us, unit, err) in sorted(res.items()):
            shape = dict(kv.split("=") for kv in key.split(","))["shape"]
            t = bn_torch[(shape, method)]
            c, size = shape.split("x")
            rows.append((f"batch norm [64, {c}, {size}, {size}] {method} (us, lower is better)",
                         f"{us:.0f} (±{err / us * 100:.0f}%)", f"{t:.0f}", f"{t / us:.2f}x"))
    return rows


def inference_rows(depths, batch, threads, quick):
    ours = run_jmh("ResNetInferenceBench", {"depth": ",".join(map(str, depths)), "batch": batch}, threads, quick)
    rows = []
    for d in depths:
        peer = run_peer("torch_resnet_cifar.py", [d, batch, 10, threads])
        torch_ips = float(re.search(r"infer batch=\d+: ([\d.]+) img/s", peer).group(1))
        ms, unit, err = ours[f"batch={batch},depth={d}"]
        ips = batch / (ms / 1000)
        rows.append((f"resnet{d} inference, batch {batch} (images/s)", f"{ips:.1f} (±{err / ms * 100:.0f}%)",
                     f"{torch_ips:.1f}", f"{ips / torch_ips:.2f}x"))
    return rows


def memory_rows(batch, threads):
    """Peak memory of ResNet-20 training steps: the JVM's heap and RSS beside PyTorch's peak RSS."""
    cmd = [java(), "--add-modules=jdk.incubator.vector", "-XX:+UseG1GC", "-Xmx8g", f"-Dpanagrad.threads={threads}",
           "-cp", JAR, "dev.panagrad.bench.TrainStepMemory", "20", str(batch), "5"]
    print("$", " ".join(cmd), flush=True)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    ours = {k: float(v) for k, v in re.findall(r"(\w+)_MB=([\d.]+)", out)}
    peer = run_peer("torch_resnet_cifar.py", [20, batch, 5, threads])
    theirs = {k: float(v) for k, v in re.findall(r"(\w+)_MB=([\d.]+)", peer)}
    return [
        (f"resnet20 train step, batch {batch}: peak heap (MB; PyTorch: peak RSS less RSS after import)",
         f"{ours['peak_heap']:.0f}", f"{theirs['peak_rss'] - theirs['rss_after_import']:.0f}", "n/a"),
        (f"resnet20 train step, batch {batch}: process peak RSS (MB)", f"{ours['peak_rss']:.0f}",
         f"{theirs['peak_rss']:.0f}", f"{theirs['peak_rss'] / ours['peak_rss']:.2f}x"),
        (f"resnet20 train step, batch {batch}: allocated per step / live heap (MB)",
         f"{ours['allocated_per_step']:.0f} / {ours['live_heap']:.0f}", "n/a", "n/a"),
    ]


def profile_table(threads):
    cmd = [java(), "--add-modules=jdk.incubator.vector", "-XX:+UseG1GC", "-Xmx8g", f"-Dpanagrad.threads={threads}",
           "-cp", JAR, "dev.panagrad.bench.ProfileTrainStep", "20", "64", "10"]
    print("$", " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def opencl_device():
    """The device the opencl backend would choose, as 'CPU name' or 'GPU name', from OpenClDevices."""
    out = subprocess.run([java(), "--enable-native-access=ALL-UNNAMED", "-cp", JAR,
                          "dev.panagrad.engine.backend.opencl.OpenClDevices"], capture_output=True, text=True).stdout
    m = re.search(r"chosen: (\w+) '([^']*)' on platform '([^']*)'", out)
    if not m:
        sys.exit("no OpenCL device: " + out.strip())
    return m.group(1), f"{m.group(1)} {m.group(2)} ({m.group(3)})"


def opencl_rows(sizes, batch, threads, quick):
    """The OpenCL backend's GEMM and ResNet-20 step, beside PyTorch on the CPU. On PoCL these are CPU numbers."""
    kind, device = opencl_device()
    label = f"OpenCL on {device}" + (", a CPU device" if kind != "GPU" else "")
    cl = ["-Dpanagrad.backend=opencl"]
    ours = run_jmh("GemmBench", {"n": ",".join(map(str, sizes))}, threads, quick, cl)
    peer = run_peer("torch_sgemm.py", sizes + ["--threads", threads])
    torch = {int(m.group(1)): float(m.group(2)) for m in re.finditer(r"n=(\d+) GFLOPS=([\d.]+)", peer)}
    rows = []
    for n in sizes:
        ms, unit, err = ours[f"n={n}"]
        gflops = 2 * n ** 3 / (ms * 1e-3) / 1e9
        rows.append((f"sgemm n={n} (GFLOPS), {label}", f"{gflops:.1f} (±{err / ms * 100:.0f}%)", f"{torch[n]:.1f}",
                     f"{gflops / torch[n]:.2f}x"))
    ours = run_jmh("ResNetTrainStepBench", {"depth": "20", "batch": batch}, threads, quick, cl)
    peer = run_peer("torch_resnet_cifar.py", [20, batch, 10, threads])
    torch_ips = float(re.search(r"train batch=\d+: ([\d.]+) img/s", peer).group(1))
    ms, unit, err = ours[f"batch={batch},depth=20"]
    ips = batch / (ms / 1000)
    rows.append((f"resnet20 train step, batch {batch} (images/s), {label}", f"{ips:.1f} (±{err / ms * 100:.0f}%)",
                 f"{torch_ips:.1f}", f"{ips / torch_ips:.2f}x"))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default="2")
    ap.add_argument("--sizes", default="256,512,1024")
    ap.add_argument("--quick", action="store_true", help="fewer JMH iterations")
    ap.add_argument("--only", default="gemm,resnet,inference,layers,memory,profile,loader,cc",
                    help="comma-separated: gemm, resnet, inference, layers (convolutions and batch norm), memory, "
                         "profile, loader, cc, opencl (the OpenCL backend's GEMM and ResNet-20 step)")
    ap.add_argument("--depths", default="20,56")
    a = ap.parse_args()
    if not os.path.exists(JAR):
        sys.exit("bench/target/benchmarks.jar is missing: mvn -q package -pl bench -am -DskipTests")
    sizes = [int(s) for s in a.sizes.split(",")]
    only = a.only.split(",")
    rows = []
    if "gemm" in only:
        rows += gemm_rows(sizes, a.threads, a.quick)
    if "resnet" in only:
        rows += resnet_rows([int(d) for d in a.depths.split(",")], 64, a.threads, a.quick)
    if "inference" in only:
        rows += inference_rows([int(d) for d in a.depths.split(",")], 64, a.threads, a.quick)
    if "layers" in only:
        rows += conv_rows(a.threads, a.quick)
    if "memory" in only:
        rows += memory_rows(64, a.threads)
    if "loader" in only:
        rows += loader_rows(a.threads, a.quick)
    if "cc" in only:
        rows += cc_rows(a.threads, a.quick)
    if "opencl" in only:
        rows += opencl_rows(sizes, 64, a.threads, a.quick)
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    table = [f"## {stamp}", "", f"Machine: {machine()}. Threads: {a.threads}. Ratio > 1 means Panagrad is faster.",
             "", "| workload | Panagrad | PyTorch | ratio |", "|---|---|---|---|"]
    table += [f"| {w} | {o} | {t} | {r} |" for w, o, t, r in rows]
    if "profile" in only:
        table += ["", "Op profile of the resnet20 training step (`ProfileTrainStep`):", "", profile_table(a.threads)]
    block = "\n".join(table) + "\n"
    print(block)
    header = "# Benchmark results\n\nLatest first. Produced by `python3 bench/compare.py`.\n\n"
    old = ""
    if os.path.exists(RESULTS):
        with open(RESULTS) as f:
            old = f.read()
        old = old[len(header):] if old.startswith(header) else old
    with open(RESULTS, "w") as f:
        f.write(header + block + "\n" + old)


if __name__ == "__main__":
    main()
