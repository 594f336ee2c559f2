#!/usr/bin/env bash
# Builds and runs the int8 GEMM microbenchmark (x86-64 with AVX2, single thread), then summarises
# its per-repetition lines: % of peak as the median over repetitions of each repetition's paired
# kernel GOPS / peak GOPS, with a bootstrap 95% interval (bench/lib/intervals.mjs).
#   bench/native-gemm/run.sh [REPS]   (default 15)
set -euo pipefail
cd "$(dirname "$0")"
reps="${1:-15}"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target gemm-bench -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
./build/gemm-bench "$reps" | node summarize.mjs "$reps"
