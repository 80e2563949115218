"""Paired measurement of a ResNet training step: PyTorch's (the step of torch_resnet_cifar.py) and
Panagrad's (dev.panagrad.bench.StepServer, started from the command after '--'), taking turns window by
window: ours for `seconds`, then PyTorch's for as long, and so on. Both processes stay warm and wait
while the other runs, so a drift of the machine's speed over minutes reaches both sides of a pair alike;
the median of the per-pair ratios and its quartiles say more than two runs minutes apart.
Usage: python3 torch_paired_steps.py depth batch pairs threads seconds java_warmup_seconds -- java ... StepServer depth batch
Prints one line: paired resnet{depth} batch=.. pairs=.. panagrad_img_s=.. torch_img_s=.. ratio_median=..
ratio_q1=.. ratio_q3=.. (medians of each side's per-window rates; ratio above 1: Panagrad is faster), then
the cores' round trip, asked of StepServer before each pair and after the last: roundtrip_ns_min=..
roundtrip_ns_max=.., and where it moved by more than half (a host moving the cores between caches), the
pairs that began and ended near the lowest round trip and those that began and ended away from it:
near_pairs=.. near_ratio_median=.. far_pairs=.. far_ratio_median=.. (nan where there were none).
compare.py runs it with glibc's malloc keeping freed memory (PEER_MALLOC there); run by hand without
those settings, PyTorch's step speed depends on the process's allocation history (up to 2x)."""
import subprocess, sys, torch

from cifar_models import training_step
from timing import window

TORCH_WARMUP_WINDOWS = 3


def quantile(values, q):
    """The q-quantile by the nearest rank below, as the Java tools take it."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class StepServer:
    """Our side: one request line out, one answer line back."""

    def __init__(self, cmd):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.expect("ready")

    def expect(self, prefix):
        """The next line that starts with `prefix`; other output of the JVM goes to stderr."""
        while True:
            line = self.proc.stdout.readline()
            if line.startswith(prefix):
                return line.strip()
            if not line or line.startswith("error:"):
                rc = self.proc.poll()
                raise RuntimeError(f"StepServer answered {line.strip()!r} where {prefix!r} was expected"
                                   + (f" (it exited with code {rc})" if rc is not None else ""))
            print("StepServer:", line.rstrip(), file=sys.stderr)

    def window(self, seconds):
        """(steps, elapsed seconds) of one window of at least `seconds`."""
        self.proc.stdin.write(f"window {seconds}\n")
        answer = dict(kv.split("=") for kv in self.expect("steps=").split())
        return int(answer["steps"]), int(answer["nanos"]) / 1e9

    def roundtrip(self):
        """The cores' round trip in nanoseconds, as StepServer measures it now (nan on one processor)."""
        self.proc.stdin.write("roundtrip\n")
        return float(self.expect("roundtrip_nanos=").split("=")[1])

    def close(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.proc.wait(timeout=60)


def main():
    if "--" not in sys.argv:
        sys.exit(__doc__)
    split = sys.argv.index("--")
    depth, batch, pairs, threads = (int(v) for v in sys.argv[1:5])
    seconds, java_warmup = float(sys.argv[5]), float(sys.argv[6])
    torch.set_num_threads(threads)
    _, _, step = training_step(depth, batch)
    ours = StepServer(sys.argv[split + 1:])
    try:
        ours.window(java_warmup)  # the JIT compiles the step's kernels
        for _ in range(TORCH_WARMUP_WINDOWS):
            window(step, seconds)
        rates = []
        trips = [ours.roundtrip()]
        for _ in range(pairs):
            steps, elapsed = ours.window(seconds)
            own = batch * steps / elapsed
            calls, elapsed = window(step, seconds)
            rates.append((own, batch * calls / elapsed))
            trips.append(ours.roundtrip())
    finally:
        ours.close()
    ratios = [o / t for o, t in rates]
    near, far = split_by_round_trip(ratios, trips)
    print(f"paired resnet{depth} batch={batch} pairs={len(rates)} "
          f"panagrad_img_s={quantile([o for o, _ in rates], 0.5):.1f} torch_img_s={quantile([t for _, t in rates], 0.5):.1f} "
          f"ratio_median={quantile(ratios, 0.5):.3f} ratio_q1={quantile(ratios, 0.25):.3f} "
          f"ratio_q3={quantile(ratios, 0.75):.3f} roundtrip_ns_min={min(trips):.0f} roundtrip_ns_max={max(trips):.0f} "
          f"near_pairs={len(near)} near_ratio_median={median_or_nan(near):.3f} "
          f"far_pairs={len(far)} far_ratio_median={median_or_nan(far):.3f}")


def split_by_round_trip(ratios, trips):
    """The ratios of the pairs whose round trips before and after were both near the lowest (within half
    of it), and of those where both were farther; none of either where the round trip never moved by half."""
    low = min(trips)
    if not max(trips) > 1.5 * low:
        return [], []
    near = [r for i, r in enumerate(ratios) if trips[i] <= 1.5 * low and trips[i + 1] <= 1.5 * low]
    far = [r for i, r in enumerate(ratios) if trips[i] > 1.5 * low and trips[i + 1] > 1.5 * low]
    return near, far


def median_or_nan(values):
    return quantile(values, 0.5) if values else float("nan")


if __name__ == "__main__":
    main()
