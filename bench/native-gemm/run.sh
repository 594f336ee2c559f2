#!/usr/bin/env bash
# Builds and runs the int8 GEMM microbenchmark (x86-64 with AVX2, single thread).
set -euo pipefail
cd "$(dirname "$0")"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target gemm-bench -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
exec ./build/gemm-bench
