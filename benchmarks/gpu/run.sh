#!/usr/bin/env bash
# GPU verification and benchmarks in one command.
#
#   benchmarks/gpu/run.sh prepare   (development machine: JDK 25 + Maven, no GPU needed)
#       builds target/engine.jar with the CUDA kernels (native/build-kernels.sh --install), the test classes, copies
#       the test-scope jars to target/gpu-carry/lib and, if missing, jlinks a stripped Java 25 runtime into
#       target/gpu-carry/jre (~44 MB; with the jar and tests the carry stays under 64 MiB).
#   benchmarks/gpu/run.sh           (GPU machine: no Java, no network)
#       runs the gpu-tagged tests (CudaBackendGpuTest, CudaKernelsGpuTest, CudaModelGpuTest) with
#       org.saifengine.backend.cuda.GpuTestMain, then `engine bench-gpu`, which writes docs/perf/gpu.md.
#       Needs target/engine.jar, target/test-classes and target/gpu-carry carried over; shared/ or ../shared (for
#       the stories260K test) is used when present. When the runtime is missing and a JDK is at hand, it prepares
#       first, so one command also works on a development box that has a GPU.
# Exit code: non-zero when a GPU test fails, when no GPU test ran (no device: a skip must not look like a pass),
# or when the benchmarks fail.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
carry="$root/target/gpu-carry"
jre="$carry/jre"
MODULES=java.base,java.logging,java.management,jdk.incubator.vector,jdk.unsupported,java.xml

prepare() {
  export JAVA_HOME="${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
  [ -x "$JAVA_HOME/bin/jlink" ] || { echo "run.sh prepare: no JDK 25 with jlink at $JAVA_HOME" >&2; exit 1; }
  native/build-kernels.sh --install
  mvn -q package -DskipTests
  mvn -q test-compile dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$carry/lib" \
      -Dmdep.useRepositoryLayout=false
  # Only what the tests need on the GPU machine: JUnit, opentest4j, apiguardian (the engine jar is shaded).
  find "$carry/lib" -name '*.jar' ! -name 'junit-*' ! -name 'opentest4j-*' ! -name 'apiguardian-*' -delete
  if [ ! -x "$jre/bin/java" ]; then
    rm -rf "$jre"
    "$JAVA_HOME/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files \
      --compress=zip-9 --output "$jre"
    find "$jre" -name '*.so' -exec strip --strip-unneeded {} + 2>/dev/null || true
  fi
  du -sh "$jre" "$carry/lib" target/engine.jar target/test-classes
  echo "carry: target/engine.jar target/test-classes target/gpu-carry"
}

if [ "${1:-}" = prepare ]; then prepare; exit 0; fi
if [ ! -x "$jre/bin/java" ]; then
  if [ -x "${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/jlink" ]; then prepare
  else echo "run.sh: no Java runtime at $jre (run 'benchmarks/gpu/run.sh prepare' on a machine with JDK 25 and carry target/)" >&2; exit 1
  fi
fi
# The JavaCPP wrappers link libcudart.so.13, libcublas.so.13 and libcublasLt.so.13: put the toolkit's (or the
# Python wheels') library directories on the loader path when the system linker does not already know them.
for lib in libcudart.so.13 libcublas.so.13 libcublasLt.so.13; do
  ldconfig -p 2>/dev/null | grep -q "$lib" && continue
  for dir in /usr/local/cuda/lib64 /usr/local/cuda-13.0/lib64 /usr/local/cuda/targets/x86_64-linux/lib \
             $(python3 -c 'import nvidia, os; print(" ".join(os.path.join(p, "cu13", "lib") for p in nvidia.__path__))' 2>/dev/null); do
    if [ -e "$dir/$lib" ]; then export LD_LIBRARY_PATH="$dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; break; fi
  done
done
shared=""
for s in "$root/shared" "$root/../shared"; do [ -d "$s/models" ] && { shared="$s"; break; }; done
java=("$jre/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
      --sun-misc-unsafe-memory-access=allow "-Dorg.bytedeco.javacpp.cachedir=$root/target/javacpp-cache")
[ -n "$shared" ] && java+=("-Dshared.dir=$shared")

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
echo "== GPU tests"
set +e
"${java[@]}" -cp "target/engine.jar:target/test-classes:$carry/lib/*" org.saifengine.backend.cuda.GpuTestMain
tests=$?
set -e
echo "== HF transformers eager on the same shapes (also saves the random Gemma-2-2B the engine then times)"
model_dir="${GPU_BENCH_MODEL_DIR:-/tmp/gemma2-2b-random}"
extra=()
if python3 benchmarks/gpu/hf_eager.py "$model_dir" target/hf-rows.md; then
  extra=(--model "$model_dir" --append target/hf-rows.md)
else
  echo "HF transformers benchmark failed; timing the kernels only" >&2
fi
echo "== GPU benchmarks"
"${java[@]}" -cp target/engine.jar org.saifengine.cli.Main bench-gpu --out docs/perf/gpu.md "${extra[@]}"
echo "== GPU tests exit code: $tests (report: docs/perf/gpu.md)"
exit $tests
