#!/usr/bin/env bash
# The GPU bundle runs blind: builds it, runs it with an empty environment (no JAVA_HOME, PATH=/usr/bin:/bin,
# where `java` is whatever the system has, or nothing) in --quick mode on this machine's OpenCL driver, and
# checks what it wrote. Maven runs this in bench's verify phase.
# Usage: bench/gpu/check-blind-run.sh [SKIP]   (SKIP=true, from -Dpanagrad.test.skipOpenCL, skips it)
set -euo pipefail
if [ "${1:-false}" = true ]; then
  echo "check-blind-run: skipped (panagrad.test.skipOpenCL)"
  exit 0
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
"$root/bench/gpu/bundle.sh"
out="$root/bench/target/gpu-blind-run"
rm -rf "$out"
status=0
env -i HOME="$HOME" PATH=/usr/bin:/bin "$root/bench/target/gpu-bundle/run.sh" "$out" --quick > "$out.log" 2>&1 || status=$?
fail() {
  echo "check-blind-run: $1 (log: $out.log)" >&2
  tail -n 30 "$out.log" >&2
  exit 1
}
[ "$status" = 0 ] || fail "run.sh exited with $status"
report="$out/gpu-results.md"
[ -f "$report" ] || fail "no $report"
grep -q "java: openjdk version \"25" "$out/machine.txt" || fail "run.sh did not report the bundle's Java 25 runtime"
grep -qx "java.home=$root/bench/target/gpu-bundle/runtime" "$out/runtime.txt" || fail "GpuRun did not run on the bundle's runtime: $(cat "$out/runtime.txt" 2>/dev/null)"
grep -Eq "kernel contract on opencl: ([0-9]+) of \1 cases pass" "$report" || fail "the kernel contract did not pass"
for w in "gemm n=256" "resnet20 train batch=8" "resnet56 train batch=8" "resnet20 infer batch=8" "cc loss n=64 d=32"; do
  grep -Eq "^\| $w \| [^|]+ \| [0-9.]+ \|" "$report" || fail "no measured row for '$w'"
done
grep -Eq "^\| resnet20 train batch=8 \| img/s \| [0-9.]+ \| [0-9.]+ \|" "$report" || fail "no CPU row for resnet20 train batch=8"
grep -Eq "convolutions through columns: ([0-9]+) of \1 cases pass" "$report" || fail "the convolution cases through columns did not pass"
for w in "resnet20 train batch=8" "resnet20 train batch=4" "resnet20 infer batch=8" \
    "conv 3x3 16->16 on 32x32, batch 8, forward" "conv 3x3 64->64 on 8x8, batch 8, weight gradient"; do
  grep -Eq "^\| $w \| [0-9.]+ \| [0-9.]+ \| [0-9.]+x \|" "$report" || fail "no implicit-over-columns row for '$w'"
done
echo "check-blind-run: the bundle ran blind on $(sed -n 's/^Backend: opencl (\([A-Z]* [^;,]*\).*/\1/p' "$report" | head -n 1); $out"
