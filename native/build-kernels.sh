#!/usr/bin/env bash
# Compiles every CUDA kernel in src/main/cuda (*.cu, one op per file) into a fatbin holding sm_80 and sm_90 cubins
# plus compute_80 / compute_90 PTX (ISA <= 9.0, which driver 580 can JIT for newer GPUs), and writes them to
# target/generated-resources/cuda/<op>.fatbin, a resource directory the pom packs into the jar as /cuda/<op>.fatbin.
# cuModuleLoadData loads such a fatbin directly. Also writes cuda/kernels.txt (op names and the nvcc version).
#
# Usage: native/build-kernels.sh [--if-available | --install] [--out DIR]
#   (default)        require an nvcc of the 13.0 line; fail if none is found or any kernel fails to compile
#   --if-available   print one notice and exit 0 when no nvcc 13.0 is found (what `mvn package` runs)
#   --install        when no nvcc 13.0 is found, install the Python registry's CUDA 13.0 compiler wheels into
#                    ~/.cache/saif-engine/cuda-venv (or $SAIF_CUDA_VENV; pinned below) and use that (what CI runs)
# nvcc is looked up in: $NVCC, $CUDA_HOME/bin, PATH, /usr/local/cuda/bin, /usr/local/cuda-13.0/bin, the venv above.
# Unchanged kernels are not recompiled (the fatbin is newer than its .cu, common.cuh and this script).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/src/main/cuda"
out="$root/target/generated-resources/cuda"
mode=require
while [ $# -gt 0 ]; do
  case "$1" in
    --if-available) mode=optional ;;
    --install) mode=install ;;
    --out) out="$2"; shift ;;
    *) echo "build-kernels: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

# The 13.0 line: driver 580 on the GPU machines loads PTX ISA 9.0 (nvcc 13.0) but not 9.1+. nvidia-nvvm must be
# pinned too: nvidia-cuda-nvcc 13.0.88 otherwise pulls the newest nvvm, whose PTX (9.5) its own ptxas rejects.
WHEELS=(nvidia-cuda-nvcc==13.0.88 nvidia-nvvm==13.0.88 nvidia-cuda-crt==13.0.88 nvidia-cuda-runtime==13.0.88
        nvidia-cuda-cccl==13.0.85)
# Outside the clone (like the Python test environment), so that fresh CI clones reuse it instead of reinstalling.
venv="${SAIF_CUDA_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/saif-engine/cuda-venv}"
venv_nvcc() { ls "$venv"/lib/python3*/site-packages/nvidia/cu13/bin/nvcc 2>/dev/null | head -n1; }

is_13_0() { "$1" --version 2>/dev/null | grep -q 'release 13\.0,'; }

find_nvcc() {
  local c
  for c in "${NVCC:-}" "${CUDA_HOME:+$CUDA_HOME/bin/nvcc}" "$(command -v nvcc 2>/dev/null || true)" \
           /usr/local/cuda/bin/nvcc /usr/local/cuda-13.0/bin/nvcc "$(venv_nvcc)"; do
    if [ -n "$c" ] && [ -x "$c" ] && is_13_0 "$c"; then echo "$c"; return 0; fi
  done
  return 1
}

nvcc="$(find_nvcc || true)"
if [ -z "$nvcc" ] && [ "$mode" = install ]; then
  echo "build-kernels: no nvcc 13.0 found; installing ${WHEELS[*]} into $venv" >&2
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${WHEELS[@]}"
  nvcc="$(find_nvcc || true)"
fi
if [ -z "$nvcc" ]; then
  if [ "$mode" = optional ]; then
    echo "[cuda] no nvcc 13.0 found: CUDA kernels not built (CPU-only jar; run native/build-kernels.sh --install)"
    exit 0
  fi
  echo "build-kernels: no nvcc of the CUDA 13.0 line found (set NVCC or run with --install)" >&2
  exit 1
fi

# The wheel layout keeps headers and nvvm next to bin/, which nvcc finds through its own nvcc.profile.
mkdir -p "$out"
version="$("$nvcc" --version | grep -o 'release [0-9.]*, V[0-9.]*')"
gencode=(-gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90
         -gencode arch=compute_80,code=compute_80 -gencode arch=compute_90,code=compute_90)
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
built=0 kept=0 ops=()
for cu in "$src"/*.cu; do
  op="$(basename "$cu" .cu)"
  ops+=("$op")
  fatbin="$out/$op.fatbin"
  if [ -f "$fatbin" ] && [ "$fatbin" -nt "$cu" ] && [ "$fatbin" -nt "$src/common.cuh" ] \
     && [ "$fatbin" -nt "${BASH_SOURCE[0]}" ]; then
    kept=$((kept + 1)); continue
  fi
  mkdir -p "$tmp/$op"
  if ! "$nvcc" -std=c++17 -O3 -I "$src" "${gencode[@]}" -fatbin --keep --keep-dir "$tmp/$op" \
       -o "$tmp/$op.fatbin" "$cu"; then
    echo "build-kernels: FAILED to compile $cu" >&2
    exit 1
  fi
  for ptx in "$tmp/$op"/*.ptx; do
    isa="$(grep -m1 '^\.version' "$ptx" | awk '{print $2}')"
    if [ "$(printf '%s\n9.0\n' "$isa" | sort -V | tail -n1)" != "9.0" ]; then
      echo "build-kernels: $op: PTX ISA $isa is newer than 9.0 (driver 580 cannot load it)" >&2
      exit 1
    fi
  done
  mv "$tmp/$op.fatbin" "$fatbin"
  built=$((built + 1))
done
{ echo "# nvcc $version"; printf '%s\n' "${ops[@]}"; } > "$out/kernels.txt.tmp" && mv "$out/kernels.txt.tmp" "$out/kernels.txt"
# Drop fatbins whose .cu no longer exists.
for f in "$out"/*.fatbin; do
  [ -e "$f" ] || continue
  [ -f "$src/$(basename "$f" .fatbin).cu" ] || rm -f "$f"
done
echo "[cuda] kernels: $built compiled, $kept up to date (nvcc $version) -> $out"
