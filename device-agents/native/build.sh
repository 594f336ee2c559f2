#!/usr/bin/env bash
# Builds int8-runner and the kernel/runtime tests.
#   ./build.sh [x86_64|aarch64|all]   (default: x86_64)
# x86_64  -> build/x86_64/   AVX2 kernels (FARM_X86_ISA=scalar for CPUs without AVX2)
# aarch64 -> build/aarch64/  NEON kernels, -march=armv8-a, fully static (runs on Android too)
# Needs: cmake, g++, nlohmann-json3-dev; for aarch64 also g++-aarch64-linux-gnu.
set -euo pipefail
cd "$(dirname "$0")"
target="${1:-x86_64}"
jobs="$(nproc 2>/dev/null || echo 2)"

build_x86_64() {
  cmake -S . -B build/x86_64 -DCMAKE_BUILD_TYPE=Release -DFARM_ISA="${FARM_X86_ISA:-avx2}" >/dev/null
  cmake --build build/x86_64 -j "$jobs"
}

build_aarch64() {
  cmake -S . -B build/aarch64 -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/aarch64-linux-gnu.cmake" \
    -DCMAKE_CXX_FLAGS="-march=armv8-a" -DFARM_ISA=neon -DFARM_STATIC=ON >/dev/null
  cmake --build build/aarch64 -j "$jobs"
}

case "$target" in
  x86_64) build_x86_64 ;;
  aarch64) build_aarch64 ;;
  all) build_x86_64; build_aarch64 ;;
  *) echo "usage: $0 [x86_64|aarch64|all]" >&2; exit 2 ;;
esac
