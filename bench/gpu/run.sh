#!/usr/bin/env bash
# Runs Panagrad's OpenCL backend on this machine's GPU and PyTorch CUDA beside it, using only the bundle
# that bench/gpu/bundle.sh built and the machine's GPU driver: no JDK, no package registry.
#   1. finds the vendor's OpenCL library where no ICD file names it, and points the bundled ICD loader at it
#   2. prints the OpenCL platforms and devices, runs the kernel contract (every kernel against the scalar
#      oracle), then times GEMM, ResNet-20/56 training, ResNet-20 inference and the CC loss (GpuRun)
#   3. runs the same workloads on PyTorch CUDA, fp32 and TF32, where python3 has torch with CUDA
#   4. writes OUTDIR/gpu-results.md with the device, the driver and the ratios
# Usage: run.sh [OUTDIR] [--quick]   (--quick: small sizes, to check the bundle on a CPU driver)
# Exit status: 0 when the kernel contract passed, 1 when it failed or the backend could not start.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ -x "$here/runtime/bin/java" ]; then
  bundle=$here
else
  bundle=$(cd "$here/../target/gpu-bundle" 2>/dev/null && pwd) || {
    echo "run.sh: no bundle next to this script or in bench/target/gpu-bundle; build it with bench/gpu/bundle.sh" >&2
    exit 2
  }
fi
out=$PWD/gpu-results
quick=""
for a in "$@"; do
  case "$a" in
    --quick) quick="--quick" ;;
    -*) echo "run.sh: unknown option $a" >&2; exit 2 ;;
    *) out=$a ;;
  esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
java="$bundle/runtime/bin/java"
unset JAVA_HOME JAVA_TOOL_OPTIONS JDK_JAVA_OPTIONS
started=$(date +%s)

# ---- the machine and its driver ----------------------------------------------------------------------
machine="$out/machine.txt"
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "host: $(uname -srm), $(nproc) CPUs: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
    "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "bundle: $(head -n 1 "$bundle/BUNDLE.txt" 2>/dev/null)"
  echo "java: $("$java" -version 2>&1 | head -n 1) (the bundle's runtime)"
  if command -v nvidia-smi >/dev/null 2>&1; then
    echo "nvidia-smi: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -n 1)"
  else
    echo "nvidia-smi: not on the PATH"
  fi
} > "$machine"

# The ICD loader reads vendor files from OCL_ICD_VENDORS: the system's own, plus one for each vendor
# library found that no system file names (a container with the NVIDIA driver mounted has none).
vendors=$(mktemp -d)
trap 'rm -rf "$vendors"' EXIT
for f in /etc/OpenCL/vendors/*.icd; do
  [ -f "$f" ] && cp "$f" "$vendors/" && echo "ICD file: $f names $(cat "$f")" >> "$machine"
done
extra_libs=""
for lib in libnvidia-opencl.so.1 libamdocl64.so libigdrcl.so; do
  found=""
  cached=$(/sbin/ldconfig -p 2>/dev/null | awk -v l="$lib" '$1 == l {print $NF; exit}')
  echo "looked for $lib in the ldconfig cache: ${cached:-no}" >> "$machine"
  [ -n "$cached" ] && [ -e "$cached" ] && found=$cached
  for dir in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib; do
    if [ -e "$dir/$lib" ]; then
      echo "looked for $lib in $dir: found" >> "$machine"
      [ -z "$found" ] && found="$dir/$lib"
    else
      echo "looked for $lib in $dir: no" >> "$machine"
    fi
  done
  [ -z "$found" ] && continue
  if grep -qs "$lib" "$vendors"/*.icd; then
    echo "$lib: an ICD file names it already" >> "$machine"
  else
    echo "$found" > "$vendors/${lib%%.so*}.icd"
    echo "$lib: wrote an ICD file naming $found" >> "$machine"
  fi
  extra_libs="$extra_libs:$(dirname "$found")"
done
export OCL_ICD_VENDORS=$vendors
export LD_LIBRARY_PATH="$bundle/lib$extra_libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# ---- Panagrad on OpenCL ------------------------------------------------------------------------------
# Heap: half the machine's memory, at most 16 GiB. The device arena takes at most 2 GiB of it (Aparapi's
# limit on one buffer); a heap not much larger keeps collections frequent, and only a collection returns
# the arena regions of dead tensors.
heap_mib=$(awk '/MemTotal/ {m = int($2 / 1024 / 2); if (m > 16384) m = 16384; print m}' /proc/meminfo)
# A crash of the JVM (a driver fault, say) leaves its report in OUTDIR, which comes back from a blind run.
flags=(--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseG1GC "-Xmx${heap_mib}m" -Xss4m
  "-XX:ErrorFile=$out/hs_err_pid%p.log")
if [ -n "$quick" ]; then
  flags+=(-Dpanagrad.opencl.memoryMB=1024)
  java_limit=300; budget=120; torch_limit=120
else
  java_limit=270; budget=180; torch_limit=100
fi
echo "== Panagrad (OpenCL) ==" | tee "$out/panagrad.log"
timeout "$java_limit" "$java" "${flags[@]}" -cp "$bundle/panagrad-gpu.jar" dev.panagrad.bench.gpu.GpuRun \
  "$out" $quick --budget "$budget" 2>&1 | tee -a "$out/panagrad.log"
status=${PIPESTATUS[0]}
[ "$status" = 124 ] && echo "Panagrad stopped after $java_limit s" | tee -a "$out/panagrad.log"
how="GpuRun exit status: $status"
[ "$status" -gt 128 ] && [ "$status" != 124 ] && how="$how (signal $((status - 128)); see hs_err_pid*.log if the JVM wrote one)"
echo "$how" | tee -a "$out/panagrad.log" >> "$machine"

# ---- PyTorch CUDA on the same workloads --------------------------------------------------------------
echo "== PyTorch ==" | tee "$out/torch.log"
if command -v python3 >/dev/null 2>&1; then
  PYTHONUNBUFFERED=1 timeout "$torch_limit" python3 "$bundle/torch_gpu.py" "$out" $quick 2>&1 | tee -a "$out/torch.log"
  [ "${PIPESTATUS[0]}" = 124 ] && echo "PyTorch stopped after $torch_limit s" | tee -a "$out/torch.log"
else
  echo "no python3 on the PATH: no PyTorch rows" | tee "$out/torch.txt"
fi

# ---- the report --------------------------------------------------------------------------------------
echo "run took $(( $(date +%s) - started )) s" >> "$machine"
"$java" -cp "$bundle/panagrad-gpu.jar" dev.panagrad.bench.gpu.GpuReport "$out" && cat "$out/gpu-results.md"
[ "$status" = 0 ] && exit 0 || exit 1
