#!/usr/bin/env bash
# Builds bench/target/gpu-bundle/: everything bench/gpu/run.sh needs on a machine with a GPU driver and
# nothing else (no JDK, no package registry).
#   runtime/            a Java runtime made with jlink from the JDK 25 here, only the modules GpuRun needs
#   panagrad-gpu.jar    engine, nn, cckd, the GPU benchmark and Aparapi, with Aparapi's Linux x86-64
#                       native library only
#   lib/libOpenCL.so.1  the OpenCL ICD loader, from Debian's ocl-icd-libopencl1
#   run.sh, torch_gpu.py, cifar_models.py, BUNDLE.txt
# Usage: bench/gpu/bundle.sh   (after `mvn package`, which also runs it; builds bench's jar if missing)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/bench/target/gpu-bundle"
limit_mib=60
java=$("$root/bin/find-java")
jdk=$(cd "$(dirname "$java")/.." && pwd)
shaded="$root/bench/target/benchmarks.jar"
if [ ! -f "$shaded" ]; then
  echo "bundle: $shaded is missing; building it" >&2
  (cd "$root" && mvn -q -o -DskipTests package -pl bench -am)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$out"
mkdir -p "$out/lib"

# 1. The jar: bench's shaded jar without JMH (GpuRun times with its own timers) and without Aparapi's
#    native libraries for other systems.
mkdir "$work/classes"
(cd "$work/classes" && "$jdk/bin/jar" --extract --file "$shaded")
rm -rf "$work/classes/org/openjdk/jmh" "$work/classes/META-INF/BenchmarkList" "$work/classes/META-INF/CompilerHints" \
  "$work/classes/win" "$work/classes/osx" "$work/classes/META-INF/MANIFEST.MF"
find "$work/classes/linux" -type f ! -name libaparapi_x86_64.so -delete
[ -f "$work/classes/linux/libaparapi_x86_64.so" ] || { echo "bundle: no linux/libaparapi_x86_64.so in $shaded" >&2; exit 1; }
"$jdk/bin/jar" --create --file "$out/panagrad-gpu.jar" --main-class dev.panagrad.bench.gpu.GpuRun -C "$work/classes" .

# 2. The runtime. jdeps lists java.desktop and java.net.http too, for Aparapi's Swing tools and nn's
#    image and download code, none of which GpuRun loads; these are the modules it runs on: the Vector
#    API, logging (Aparapi), sun.misc.Unsafe (Aparapi), and the HotSpot MXBean (the simd backend reads
#    MaxVectorSize). Without native symbols libjvm.so shrinks from 29 to about 20 MiB.
modules=java.base,java.logging,java.management,jdk.management,jdk.unsupported,jdk.incubator.vector
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress zip-9 \
  --output "$out/runtime"
if command -v strip >/dev/null 2>&1; then
  strip --strip-unneeded "$out/runtime/lib/server/libjvm.so"
fi

# 3. The OpenCL ICD loader. Taken from the Debian package (downloaded, or the installed one offline).
(cd "$work" && apt-get download ocl-icd-libopencl1 >/dev/null 2>&1) || true
deb=$(ls "$work"/ocl-icd-libopencl1_*.deb 2>/dev/null | head -n 1 || true)
if [ -n "$deb" ]; then
  dpkg -x "$deb" "$work/icd"
  loader=$(find "$work/icd" -name 'libOpenCL.so.1*' -type f | head -n 1)
  loader_from="$(basename "$deb") (apt-get download)"
else
  loader=$(dpkg -L ocl-icd-libopencl1 2>/dev/null | grep 'libOpenCL.so.1' | head -n 1 || true)
  loader=${loader:+$(readlink -f "$loader")}
  loader_from="ocl-icd-libopencl1 $(dpkg-query -W -f '${Version}' ocl-icd-libopencl1 2>/dev/null) (installed; apt-get download failed)"
fi
[ -n "$loader" ] && [ -f "$loader" ] || { echo "bundle: no libOpenCL.so.1: apt-get download ocl-icd-libopencl1 failed and the package is not installed" >&2; exit 1; }
cp "$loader" "$out/lib/libOpenCL.so.1"

# 4. The scripts.
cp "$root/bench/gpu/run.sh" "$root/bench/gpu/torch_gpu.py" "$root/bench/peer/cifar_models.py" "$out/"
chmod +x "$out/run.sh"
{
  echo "Panagrad GPU bundle, built $(date -u '+%Y-%m-%d %H:%M UTC') from commit $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
  echo "runtime: $("$out/runtime/bin/java" -version 2>&1 | head -n 1); modules $modules"
  echo "OpenCL ICD loader: $loader_from"
} > "$out/BUNDLE.txt"

size=$(du -sb "$out" | cut -f1)
if [ "$size" -gt $((limit_mib << 20)) ]; then
  echo "bundle: $out is $((size >> 20)) MiB, over the $limit_mib MiB limit" >&2
  exit 1
fi
echo "bundle: $out, $((size >> 20)) MiB"
cat "$out/BUNDLE.txt"
