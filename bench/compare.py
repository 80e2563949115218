#!/usr/bin/env python3
"""Runs Panagrad's JMH benchmarks and the PyTorch reference on the same machine, one right after the
other, and prepends a table of ratios to bench/RESULTS.md (earlier results stay below).

Usage: python3 bench/compare.py [--isa native|avx2|avx512] [--threads 2] [--sizes 256,512,1024] [--quick] [--only ...]

--isa avx2 restricts both sides to AVX2 on an AVX-512 machine: the JVM with -XX:UseAVX=2, OpenBLAS with
OPENBLAS_CORETYPE=Haswell, oneDNN with DNNL_MAX_CPU_ISA / ONEDNN_MAX_CPU_ISA=AVX2, ATen with
ATEN_CPU_CAPABILITY=avx2. --isa avx512 lets each side detect the machine (OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE are removed from the peer's environment for it). native (the default) is avx512 where the
CPU has it, else avx2. What each side actually used is checked and written beside the results.
Needs: bench/target/benchmarks.jar (mvn -q package -pl bench -am -DskipTests), a JDK 25 (bin/find-java),
and for the reference Debian's python3-torch with OpenBLAS (apt-get install python3-torch libopenblas0-pthread),
run with /usr/bin/python3.
"""
import argparse
import datetime
import json
import math
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

# Set by main() from --isa: extra JVM flags for every Java process, and the peer's environment.
JVM_ISA_ARGS = []
PEER_ENV = dict(os.environ)

# glibc's malloc for the peer, told to keep freed memory: allocations up to 32 MB (the most glibc allows)
# from its heap, none of it returned to the OS between steps. By default glibc serves large blocks with
# mmap and adjusts that threshold as blocks are freed, so PyTorch's tensors may be mapped, faulted in
# and unmapped on every step or not, depending on the process's history: the same ResNet-20 step ran at
# 194-437 images/s from one process to the next at AVX2, and at 332-472 with these settings (2026-11-30,
# Zen 5). Setting one of them alone turns the adjustment off and maps every block (44-49 images/s).
PEER_MALLOC = {"MALLOC_MMAP_THRESHOLD_": "33554432", "MALLOC_TRIM_THRESHOLD_": "4294967296",
               "MALLOC_TOP_PAD_": "67108864"}


def cpuinfo(field):
    """The first value of a /proc/cpuinfo field, or None."""
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(rf"^{field}\s*:\s*(.*)$", f.read(), re.M)
            return m.group(1) if m else None
    except OSError:
        return None


def cpu_flags():
    return set((cpuinfo("flags") or "").split())


def isa_setup(isa):
    """(resolved isa, JVM flags, peer environment) for --isa."""
    flags = cpu_flags()
    if isa == "native":
        isa = "avx512" if "avx512f" in flags else "avx2"
    if isa == "avx512" and "avx512f" not in flags:
        sys.exit("--isa avx512: this CPU has no AVX-512")
    if "avx2" not in flags:
        sys.exit("this CPU has no AVX2; compare.py measures x86 machines with AVX2 or AVX-512")
    env = dict(os.environ, **PEER_MALLOC)
    if isa == "avx2":
        env.update(OPENBLAS_CORETYPE="Haswell", DNNL_MAX_CPU_ISA="AVX2", ONEDNN_MAX_CPU_ISA="AVX2",
                   ATEN_CPU_CAPABILITY="avx2")
        return isa, ["-XX:UseAVX=2"], env
    for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "DNNL_MAX_CPU_ISA", "ONEDNN_MAX_CPU_ISA"):
        env.pop(k, None)
    return isa, [], env


def key_values(text):
    return dict(re.findall(r"^(\w+)=(.*)$", text, re.M))


def key_values_inline(text):
    """{key: float} of every 'key=number' in text."""
    return {k: float(v) for k, v in re.findall(r"(\w+)=(-?[\d.]+)\b", text)}


def sides_report(isa, threads):
    """What the JVM (MachineReport's keys, with the run's thread count) and the peer actually use, and a
    list of mismatches with the requested isa."""
    jvm = key_values(subprocess.run([java(), "--add-modules=jdk.incubator.vector", f"-Dpanagrad.threads={threads}",
                                     *JVM_ISA_ARGS, "-cp", JAR, "dev.panagrad.bench.MachineReport"],
                                    capture_output=True, text=True).stdout)
    peer = key_values(subprocess.run([TORCH_PYTHON, os.path.join(PEER, "torch_isa.py")], env=PEER_ENV,
                                     capture_output=True, text=True).stdout)
    problems = []
    bits = int(jvm.get("vector_bits", "0"))
    if isa == "avx2":
        if bits != 256 or jvm.get("registers") != "16":
            problems.append(f"JVM runs {bits}-bit vectors with {jvm.get('registers')} registers, not AVX2's 256 and 16")
        if peer.get("openblas_core") != "Haswell":
            problems.append(f"OpenBLAS runs its {peer.get('openblas_core')} kernels, not Haswell (AVX2)")
        if "avx512" in peer.get("onednn_isa", ""):
            problems.append(f"oneDNN runs {peer.get('onednn_isa')}")
    else:
        if bits != 512:
            problems.append(f"JVM runs {bits}-bit vectors, not 512")
        if peer.get("openblas_core") in ("Haswell", "Zen", None):
            problems.append(f"OpenBLAS runs its {peer.get('openblas_core')} kernels, not an AVX-512 one")
        if "avx512" not in peer.get("onednn_isa", ""):
            problems.append(f"oneDNN runs {peer.get('onednn_isa')}")
    return jvm, peer, problems


def java():
    return subprocess.run([os.path.join(ROOT, "bin", "find-java")], check=True, capture_output=True,
                          text=True).stdout.strip()


def run_jmh(pattern, params, threads, quick, jvm_args=()):
    """Runs one JMH benchmark pattern; returns {param-string: (score, unit)}."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    cmd = [java(), "--add-modules=jdk.incubator.vector", "-jar", JAR, pattern, "-rf", "json", "-rff", out,
           "-jvmArgsPrepend", " ".join([f"-Dpanagrad.threads={threads}", *JVM_ISA_ARGS, *jvm_args])]  # -jvmArgsAppend would replace each benchmark's own flags
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
    return subprocess.run(cmd, check=True, capture_output=True, text=True, env=PEER_ENV).stdout


def machine():
    cpu = cpuinfo("model name") or platform.processor()
    jdk = subprocess.run([java(), "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    flags = cpu_flags()
    family, model = cpuinfo("cpu family"), cpuinfo("model")
    family = f" (family {family} model {model})" if family and model else ""
    sets = ", ".join(x for x in ("avx2", "fma", "avx512f", "avx512vl", "avx512_bf16") if x in flags)
    return f"{cpu}{family}, instruction sets {sets}, {os.cpu_count()} cores, {jdk}"


def row(workload, ours, theirs, higher_is_better=True, err=None, fmt="{:.1f}"):
    """A table row. A measurement that is missing, zero, negative or not finite on either side gives a row
    marked failed instead of a ratio. One that is odd, JMH's error above the score itself or the two
    engines more than ten times apart on the same work, keeps its numbers but its ratio is marked odd."""
    def ok(v):
        return isinstance(v, (int, float)) and math.isfinite(v) and v > 0
    o = fmt.format(ours) + (f" (±{err:.0f}%)" if err is not None and math.isfinite(err) else "") if ok(ours) else "failed"
    t = fmt.format(theirs) if ok(theirs) else "failed"
    if not (ok(ours) and ok(theirs)):
        return (workload, o, t, "failed")
    r = ours / theirs if higher_is_better else theirs / ours
    if (err is not None and err > 100) or not 0.1 <= r <= 10:
        return (workload, o, t, f"odd ({r:.2f}x)")
    return (workload, o, t, f"{r:.2f}x")


def jmh_value(results, key, unit):
    """(score, error in percent) of one JMH result, or (None, None) where it is missing."""
    if key not in results:
        return None, None
    score, got_unit, err = results[key]
    if got_unit != unit:
        raise ValueError(f"JMH unit {got_unit}, expected {unit}")
    return score, (err / score * 100 if score else None)


def gemm_rows(sizes, threads, quick):
    ours = run_jmh("GemmBench", {"n": ",".join(map(str, sizes))}, threads, quick)
    peer = run_peer("torch_sgemm.py", sizes + ["--threads", threads] + (["--quick"] if quick else []))
    torch = {int(m.group(1)): float(m.group(2)) for m in re.finditer(r"n=(\d+) GFLOPS=([\d.]+)", peer)}
    rows = []
    for n in sizes:
        ms, err = jmh_value(ours, f"n={n}", "ms/op")
        gflops = 2 * n ** 3 / (ms * 1e-3) / 1e9 if ms else None
        rows.append(row(f"sgemm n={n} (GFLOPS)", gflops, torch.get(n), err=err))
    return rows


def paired_row(workload, out, ours_key, theirs_key):
    """A table row from a paired tool's key=value report: each side's median, and the median of the
    per-pair ratios with its quartiles (ratio_median, ratio_q1, ratio_q3), or failed where not usable."""
    ours, theirs = float(out[ours_key]), float(out[theirs_key])
    median, q1, q3 = (float(out[k]) for k in ("ratio_median", "ratio_q1", "ratio_q3"))
    ratio = f"{median:.2f}x ({q1:.2f}-{q3:.2f})" if all(math.isfinite(v) and v > 0 for v in (ours, theirs, median)) \
        else "failed"
    return workload, f"{ours:.1f}", f"{theirs:.1f}", ratio


def paired_rows(sizes, threads, quick):
    """sgemm against OpenBLAS in one JVM, product by product (GemmVersusOpenBlas): the per-pair ratio, which
    the machine's drift cannot move, with its quartiles. OpenBLAS runs with the peer's instruction set and
    OPENBLAS_THREAD_TIMEOUT=4, so that its threads sleep after each product instead of spinning on the cores
    that Panagrad's next product needs."""
    env = dict(PEER_ENV, OPENBLAS_THREAD_TIMEOUT="4")
    rows = []
    # Taking turns, each library starts every product with its threads asleep. Below n = 512 a product takes
    # a fraction of a millisecond and waking OpenBLAS's threads costs it a third of its speed at n = 256
    # (104 against 141 GFLOPS when its threads stay awake), which says nothing about its kernels.
    for n in [n for n in sizes if n >= 512]:
        cmd = [java(), "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
               f"-Dpanagrad.threads={threads}", *JVM_ISA_ARGS, "-cp", JAR, "dev.panagrad.bench.GemmVersusOpenBlas",
               str(n), "10" if quick else "30"]
        print("$", " ".join(cmd), flush=True)
        out = dict(re.findall(r"(\w+)=(\S+)", subprocess.run(cmd, check=True, capture_output=True, text=True,
                                                              env=env).stdout))
        workload = (f"sgemm n={n}, paired with OpenBLAS ({out['openblas_core']}) in one JVM, {out['pairs']} products "
                    f"each in turn (median GFLOPS; ratio: median of the per-pair ratios, quartiles)")
        rows.append(paired_row(workload, out, "panagrad_GFLOPS", "openblas_GFLOPS"))
    return rows


def round_trips(out):
    """What torch_paired_steps.py saw of the cores' round trip, and the ratios split by it where it moved."""
    text = f"cores' round trip {out['roundtrip_ns_min']}-{out['roundtrip_ns_max']} ns"
    def group(key):
        n = int(out[f"{key}_pairs"])
        return f"{n} at {float(out[f'{key}_ratio_median']):.2f}x" if n else "none"
    if int(out["near_pairs"]) + int(out["far_pairs"]) > 0:
        text += f"; pairs near the lowest: {group('near')}, farther from it: {group('far')}"
    return text


def paired_step_rows(depths, threads, quick):
    """ResNet training steps at batch 64 (the goal's), ours and PyTorch's taking turns window by window
    (torch_paired_steps.py driving StepServer): the per-pair ratio, which the machine's drift cannot move,
    with its quartiles."""
    rows = []
    pairs, seconds = (4, 1) if quick else (12, 2)
    for d in depths:
        server = [java(), "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseG1GC",
                  f"-Dpanagrad.threads={threads}", *JVM_ISA_ARGS, "-cp", JAR, "dev.panagrad.bench.StepServer", str(d), "64"]
        out = dict(re.findall(r"(\w+)=(\S+)", run_peer("torch_paired_steps.py", [d, 64, pairs, threads, seconds, 25, "--",
                                                                                 *server])))
        workload = (f"resnet{d} train step, batch 64, paired with PyTorch: {out['pairs']} windows of {seconds} s each "
                    f"in turn (median images/s; ratio: median of the per-pair ratios, quartiles); {round_trips(out)}")
        rows.append(paired_row(workload, out, "panagrad_img_s", "torch_img_s"))
    return rows


def tile_rows(jvm):
    """The GEMM micro-kernel in place on one thread, against the FMA peak the JVM reaches on one core;
    jvm: MachineReport's keys (tile, lanes, peak chains) from sides_report."""
    mr, nr, lanes = int(jvm["gemm_mr"]), int(jvm["gemm_nr"]), int(jvm["lanes"])
    # run_jmh keys results by parameters only, so the two methods run apart.
    tile = run_jmh("GemmTileBench.tile$", {"kc": 256}, 1, False)["kc=256"][0]
    peak = run_jmh("GemmTileBench.peak$", {"kc": 256}, 1, False)["kc=256"][0]
    tile_gflops = 2 * mr * nr * 256 / tile
    peak_gflops = 2 * int(jvm["peak_chains"]) * lanes * 1024 / peak
    share = tile_gflops / peak_gflops
    # No tile runs faster than the core's peak: above it, the machine slowed down while the peak ran.
    verdict = f"{share:.2f} of peak" if share <= 1.05 else f"odd: {share:.2f} of a peak measured while the machine was slow"
    return [(f"GEMM micro-kernel {mr} x {nr} in place, kc 256, 1 thread (GFLOPS; beside it the FMA peak "
             f"of one core, 2 pipes x {lanes} lanes x 2 flops x {peak_gflops / (4 * lanes):.2f} GHz)",
             f"{tile_gflops:.1f}", f"peak {peak_gflops:.1f}", verdict)]


def resnet_rows(depths, batches, threads, quick):
    ours = run_jmh("ResNetTrainStepBench", {"depth": ",".join(map(str, depths)), "batch": ",".join(map(str, batches))},
                   threads, quick)
    rows = []
    for batch in batches:
        for d in depths:
            m = re.search(r"train batch=\d+: ([\d.]+) img/s", run_peer("torch_resnet_cifar.py", [d, batch, 10, threads]))
            ms, err = jmh_value(ours, f"batch={batch},depth={d}", "ms/op")
            rows.append(row(f"resnet{d} train step, batch {batch} (images/s)", batch / (ms / 1000) if ms else None,
                            float(m.group(1)) if m else None, err=err))
    return rows


def loader_rows(threads, quick):
    ours = run_jmh("LoaderBench", {"workers": "0,1,2"}, threads, quick)
    rows = []
    for w in (0, 1, 2):
        us, err = jmh_value(ours, f"workers={w}", "us/op")
        rows.append((f"loader, batch 64 of 32x32x3, crop+flip+normalize, {w} workers (images/s)",
                     f"{64 / (us * 1e-6):.0f} (±{err:.0f}%)" if us else "failed", "n/a", "n/a"))
    return rows


def cc_rows(threads, quick):
    ours = run_jmh("CcLossBench", {"n": "64,256,1024", "d": "64,256"}, threads, quick)
    peer = run_peer("torch_cc_loss.py", ["--threads", threads])
    torch_us = {(int(m.group(1)), int(m.group(2))): float(m.group(3))
                for m in re.finditer(r"n=(\d+) d=(\d+) us=([\d.]+)", peer)}
    rows = []
    for n in (64, 256, 1024):
        for d in (64, 256):
            us, err = jmh_value(ours, f"d={d},n={n}", "us/op")
            rows.append(row(f"CC loss forward+backward n={n} d={d} (us, lower is better)", us, torch_us.get((n, d)),
                            higher_is_better=False, err=err))
    return rows


def conv_rows(threads, quick):
    """Each ResNet-20 convolution at batch 64, three passes, beside PyTorch (oneDNN)."""
    peer = run_peer("torch_layers.py", ["--threads", threads])
    torch = {(m.group(1), m.group(2)): float(m.group(3))
             for m in re.finditer(r"torch conv (\S+) (\w+) us=(-?[\d.]+)", peer)}
    bn_torch = {(m.group(1), m.group(2)): float(m.group(3))
                for m in re.finditer(r"torch bn (\S+) (\w+) us=(-?[\d.]+)", peer)}
    # run_jmh keys results by parameters only, so each benchmark method runs on its own.
    rows = []
    for method in ("forward", "backwardInput", "backwardWeight"):
        res = run_jmh(f"Conv2dBench.{method}$", {}, threads, quick)
        for key in sorted(res):
            shape = dict(kv.split("=") for kv in key.split(","))["shape"]
            us, err = jmh_value(res, key, "us/op")
            rows.append(row(f"conv {shape} {method}, batch 64 (us, lower is better)", us, torch.get((shape, method)),
                            higher_is_better=False, err=err, fmt="{:.0f}"))
    for method in ("forward", "forwardBackward"):
        res = run_jmh(f"BatchNormBench.{method}$", {}, threads, quick)
        for key in sorted(res):
            shape = dict(kv.split("=") for kv in key.split(","))["shape"]
            c, size = shape.split("x")
            us, err = jmh_value(res, key, "us/op")
            rows.append(row(f"batch norm [64, {c}, {size}, {size}] {method} (us, lower is better)", us,
                            bn_torch.get((shape, method)), higher_is_better=False, err=err, fmt="{:.0f}"))
    return rows


def inference_rows(depths, batch, threads, quick):
    ours = run_jmh("ResNetInferenceBench", {"depth": ",".join(map(str, depths)), "batch": batch}, threads, quick)
    rows = []
    for d in depths:
        m = re.search(r"infer batch=\d+: ([\d.]+) img/s", run_peer("torch_resnet_cifar.py", [d, batch, 10, threads]))
        ms, err = jmh_value(ours, f"batch={batch},depth={d}", "ms/op")
        rows.append(row(f"resnet{d} inference, batch {batch} (images/s)", batch / (ms / 1000) if ms else None,
                        float(m.group(1)) if m else None, err=err))
    return rows


def run_main(jvm_args, threads, main_class, args):
    """Runs one of the bench jar's plain mains in its own JVM on `threads` threads, with this comparison's
    ISA options; returns what it printed."""
    cmd = [java(), "--add-modules=jdk.incubator.vector", *jvm_args, f"-Dpanagrad.threads={threads}",
           *JVM_ISA_ARGS, "-cp", JAR, f"dev.panagrad.bench.{main_class}", *map(str, args)]
    print("$", " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def sized_heap(run):
    """JVM options for a heap sized from the work that a default-heap run measured: the serial collector,
    which keeps large arrays without G1's rounding to whole regions (ResNet-56 at batch 64: 583 MB live
    against 326) and, unlike ParallelGC, gives back the old generation's pages that warm-up garbage
    touched once a full collection has emptied them (CCKD step: 1681 MB peak RSS against 1830-1880, the
    same speed); with the pool, a step allocates too little for young collections to matter. A young
    generation of half the bytes a step allocates (at least 64 MB), and an old generation of 1.1 times
    that run's live heap (weights, optimiser state and the pooled step)."""
    young = max(64, int(run["allocated_per_step_MB"] / 2))
    return ["-XX:+UseSerialGC", f"-Xmn{young}m", f"-Xmx{int(1.1 * run['live_heap_MB']) + young}m"]


def memory_rows(depths, batches, threads):
    """Peak memory of CIFAR ResNet training steps beside PyTorch's peak RSS. Panagrad runs twice per
    model and batch: with the JVM's defaults (G1, a quarter of the memory), then with a heap sized from
    the work (sized_heap)."""
    def ours(depth, batch, heap_args):
        return key_values_inline(run_main(heap_args, threads, "TrainStepMemory", [depth, batch, 5]))

    rows = []
    for depth in depths:
        for batch in batches:
            default = ours(depth, batch, ["-XX:+UseG1GC"])
            heap = sized_heap(default)
            sized = ours(depth, batch, heap)
            theirs = key_values_inline(run_peer("torch_resnet_cifar.py", [depth, batch, 5, threads]))
            label = f"resnet{depth} train step, batch {batch}"
            for name, run in (("default heap", default), (" ".join(heap), sized)):
                rows.append((f"{label}, {name}: process peak RSS (MB)", f"{run['peak_rss_MB']:.0f}",
                             f"{theirs['peak_rss_MB']:.0f}", f"{theirs['peak_rss_MB'] / run['peak_rss_MB']:.2f}x"))
            rows.append((f"{label}: live heap / peak heap / allocated per step (MB; PyTorch: peak RSS less RSS "
                         f"after import)", f"{sized['live_heap_MB']:.0f} / {sized['peak_heap_MB']:.0f} / "
                         f"{sized['allocated_per_step_MB']:.1f}",
                         f"{theirs['peak_rss_MB'] - theirs['rss_after_import_MB']:.0f}", "n/a"))
    return rows


def cckd_rows(threads):
    """The paper's workload: one CCKD step, ResNet-50 teacher -> ResNet-18 student, batch 40 of 3x256x128,
    with the teacher's forward and the student's step apart, and memory. Panagrad runs twice: with the
    JVM's defaults (G1, a quarter of the memory), then with a heap sized from the work (sized_heap)."""
    def ours(heap_args):
        return key_values_inline(run_main(heap_args, threads, "CckdStep", [3, 2, 40]))

    default = ours(["-XX:+UseG1GC"])  # both sides warm up for 2 steps: C2 settles the large kernels in the second
    heap = sized_heap(default) if "live_heap_MB" in default else None
    sized = ours(heap) if heap else {}
    theirs = key_values_inline(run_peer("torch_cckd_step.py", [3, 2, 40, threads]))
    label = "cckd resnet50->resnet18 step, batch 40, 3x256x128"
    rows = []
    for name, run in ((f"default heap, max {default.get('max_heap_MB', 0):.0f} MB", default),
                      ("heap sized from the work, " + " ".join(heap or []), sized)):
        rows += [row(f"{label}, {name} (s, lower is better)", run.get("step_s"), theirs.get("step_s"),
                     higher_is_better=False, fmt="{:.2f}"),
                 row(f"{label}, {name}: teacher forward, no graph (s, lower is better)", run.get("teacher_s"),
                     theirs.get("teacher_s"), higher_is_better=False, fmt="{:.2f}"),
                 row(f"{label}, {name}: student forward, backward and SGD (s, lower is better)",
                     run.get("student_s"), theirs.get("student_s"), higher_is_better=False, fmt="{:.2f}")]
        if "peak_rss_MB" in run and "peak_rss_MB" in theirs:
            rows.append((f"{label}, {name}: process peak RSS (MB; at start: JVM {run['rss_at_start_MB']:.0f}, "
                         f"PyTorch after import {theirs['rss_after_import_MB']:.0f})", f"{run['peak_rss_MB']:.0f}",
                         f"{theirs['peak_rss_MB']:.0f}", f"{theirs['peak_rss_MB'] / run['peak_rss_MB']:.2f}x"))
            rows.append((f"{label}, {name}: peak heap / allocated per step / live heap (MB)",
                         f"{run['peak_heap_MB']:.0f} / {run['allocated_per_step_MB']:.0f} / {run['live_heap_MB']:.0f}",
                         "n/a", "n/a"))
    return rows


def profile_table(threads):
    return run_main(["-XX:+UseG1GC"], threads, "ProfileTrainStep", [20, 64, 10])  # the default heap, as the benchmarks


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
    peer = run_peer("torch_sgemm.py", sizes + ["--threads", threads] + (["--quick"] if quick else []))
    torch = {int(m.group(1)): float(m.group(2)) for m in re.finditer(r"n=(\d+) GFLOPS=([\d.]+)", peer)}
    rows = []
    for n in sizes:
        ms, err = jmh_value(ours, f"n={n}", "ms/op")
        rows.append(row(f"sgemm n={n} (GFLOPS), {label}", 2 * n ** 3 / (ms * 1e-3) / 1e9 if ms else None,
                        torch.get(n), err=err))
    ours = run_jmh("ResNetTrainStepBench", {"depth": "20", "batch": batch}, threads, quick, cl)
    m = re.search(r"train batch=\d+: ([\d.]+) img/s", run_peer("torch_resnet_cifar.py", [20, batch, 10, threads]))
    ms, err = jmh_value(ours, f"batch={batch},depth=20", "ms/op")
    rows.append(row(f"resnet20 train step, batch {batch} (images/s), {label}", batch / (ms / 1000) if ms else None,
                    float(m.group(1)) if m else None, err=err))
    return rows


def main():
    global JVM_ISA_ARGS, PEER_ENV
    ap = argparse.ArgumentParser()
    ap.add_argument("--isa", default="native", choices=("native", "avx2", "avx512"),
                    help="instruction set for both sides: avx2 restricts an AVX-512 machine to AVX2")
    ap.add_argument("--threads", default="2")
    ap.add_argument("--sizes", default="256,512,1024")
    ap.add_argument("--quick", action="store_true", help="fewer JMH iterations")
    ap.add_argument("--only", default="gemm,paired,tile,resnet,paired-resnet,inference,layers,memory,profile,loader,"
                                      "cc,cckd",
                    help="comma-separated: gemm, paired (sgemm against OpenBLAS in one JVM, product by product), "
                         "tile (the GEMM micro-kernel against the core's peak), resnet, paired-resnet (training steps "
                         "at batch 64, ours and PyTorch's taking turns window by window), "
                         "inference, layers (convolutions and batch norm), memory, profile, loader, cc, cckd (the "
                         "paper's ResNet-50 -> ResNet-18 step at person re-identification size), "
                         "opencl (the OpenCL backend's GEMM and ResNet-20 step)")
    ap.add_argument("--depths", default="20,56")
    ap.add_argument("--batches", default="64,256", help="batch sizes of the training-step speed and memory rows")
    a = ap.parse_args()
    if not os.path.exists(JAR):
        sys.exit("bench/target/benchmarks.jar is missing: mvn -q package -pl bench -am -DskipTests")
    isa, JVM_ISA_ARGS, PEER_ENV = isa_setup(a.isa)
    jvm, peer, problems = sides_report(isa, a.threads)
    for p in problems:
        print("WARNING:", p, file=sys.stderr)
    sizes = [int(s) for s in a.sizes.split(",")]
    depths = [int(d) for d in a.depths.split(",")]
    batches = [int(b) for b in a.batches.split(",")]
    only = a.only.split(",")
    sections = [
        ("gemm", "sgemm", lambda: gemm_rows(sizes, a.threads, a.quick)),
        ("paired", "sgemm paired with OpenBLAS", lambda: paired_rows(sizes, a.threads, a.quick)),
        ("tile", "GEMM micro-kernel", lambda: tile_rows(jvm)),
        ("resnet", "resnet train steps", lambda: resnet_rows(depths, batches, a.threads, a.quick)),
        ("paired-resnet", "resnet train steps paired with PyTorch", lambda: paired_step_rows(depths, a.threads, a.quick)),
        ("inference", "resnet inference", lambda: inference_rows(depths, 64, a.threads, a.quick)),
        ("layers", "convolutions and batch norm", lambda: conv_rows(a.threads, a.quick)),
        ("memory", "memory", lambda: memory_rows(depths, batches, a.threads)),
        ("loader", "loader", lambda: loader_rows(a.threads, a.quick)),
        ("cc", "CC loss", lambda: cc_rows(a.threads, a.quick)),
        ("cckd", "CCKD step", lambda: cckd_rows(a.threads)),
        ("opencl", "OpenCL", lambda: opencl_rows(sizes, 64, a.threads, a.quick)),
    ]
    rows = []
    for name, label, run in sections:
        if name not in only:
            continue
        try:
            rows += run()
        except Exception as e:  # one broken section must not lose the others' numbers
            print(f"{label} failed: {e!r}", file=sys.stderr)
            rows.append((f"{label}: the measurement failed ({type(e).__name__}: {str(e)[:120]})", "failed", "failed",
                         "failed"))
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    forced = ("restricted to AVX2 on both sides (JVM -XX:UseAVX=2; OPENBLAS_CORETYPE=Haswell, "
              "DNNL_MAX_CPU_ISA=ONEDNN_MAX_CPU_ISA=AVX2, ATEN_CPU_CAPABILITY=avx2)" if isa == "avx2"
              else "AVX-512, as each side detects it (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for the peer)")
    table = [f"## {stamp}, {isa}", "",
             f"Machine: {machine()}. Threads: {a.threads}. Instruction set: {forced}. Ratio > 1 means Panagrad is faster.",
             "",
             f"Used: Panagrad {jvm.get('backend', '?')}. PyTorch {peer.get('torch_version', '?')}: OpenBLAS "
             f"{peer.get('openblas_core', '?')} kernels, oneDNN {peer.get('onednn_isa', '?')}, ATen "
             f"{peer.get('aten_capability', '?')}; glibc malloc keeping freed memory ("
             + ", ".join(f"{k}={v}" for k, v in PEER_MALLOC.items()) + ")."
             + ("" if not problems else " NOT AS REQUESTED: " + "; ".join(problems) + "."),
             "", "| workload | Panagrad | PyTorch | ratio |", "|---|---|---|---|"]
    table += [f"| {w} | {o} | {t} | {r} |" for w, o, t, r in rows]
    if "profile" in only:
        try:
            table += ["", "Op profile of the resnet20 training step (`ProfileTrainStep`):", "", profile_table(a.threads)]
        except Exception as e:
            table += ["", f"Op profile: failed ({e!r})."]
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
