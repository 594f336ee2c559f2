#!/usr/bin/env bash
# Builds both targets and runs every kernel and runtime test: natively on x86-64, and
# the arm64 binaries under qemu-aarch64-static -cpu max. Exits non-zero on any failure.
#   ./test.sh [x86_64|aarch64|all]   (default: all)
set -uo pipefail
cd "$(dirname "$0")"
target="${1:-all}"
tests="requant-test qs8-gemm-test qs8-dwconv-test qs8-vadd-test f32-qs8-vcvt-test runtime-test layer-medians-test"
passed=0
failed=0

run() {  # run <label> <command...>
  local label="$1"; shift
  if "$@" >"/tmp/farm-int8-$$.log" 2>&1; then
    passed=$((passed + 1)); echo "ok   $label: $(tail -n 1 "/tmp/farm-int8-$$.log")"
  else
    failed=$((failed + 1)); echo "FAIL $label"; tail -n 25 "/tmp/farm-int8-$$.log"
  fi
}

runner_smoke() {  # runner_smoke <arch> <launcher...>: the runner prints one JSON report, errors as JSON
  local arch="$1"; shift
  local bin="build/$arch/int8-runner"
  for plan in conv_block pool_concat_resize float_head; do
    run "$arch int8-runner $plan" sh -c "$* $bin --plan test/plans/$plan.plan.json --input test/plans/$plan.input.bin --warmup 1 --runs 3 --profile-runs 2 --threads 1 | grep -q '^{\"runtime\":\"int8-runner\"'"
  done
  run "$arch int8-runner unsupported op" sh -c "err=\$($* $bin --plan test/plans/unsupported_op.plan.json --warmup 0 --runs 1 --profile-runs 0 --threads 1 2>&1 >/dev/null); rc=\$?; [ \$rc -ne 0 ] && echo \"\$err\" | grep -q '\"code\":\"unsupported_op\"'"
}

if [ "$target" = x86_64 ] || [ "$target" = all ]; then
  ./build.sh x86_64 >/dev/null || { echo "FAIL x86_64 build"; exit 1; }
  for t in $tests; do run "x86_64 $t" "build/x86_64/$t"; done
  runner_smoke x86_64
fi
if [ "$target" = aarch64 ] || [ "$target" = all ]; then
  ./build.sh aarch64 >/dev/null || { echo "FAIL aarch64 build"; exit 1; }
  for t in $tests; do run "aarch64 $t" qemu-aarch64-static -cpu max "build/aarch64/$t"; done
  runner_smoke aarch64 qemu-aarch64-static -cpu max
fi
rm -f "/tmp/farm-int8-$$.log"
echo "int8-native: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
