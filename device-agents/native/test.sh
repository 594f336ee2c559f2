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

runner_smoke() {  # runner_smoke <arch> <launcher...>: the native-runner contract (libs/contracts/src/native-runner.schema.ts)
  local arch="$1"; shift
  local bin="build/$arch/int8-runner"
  local plan input
  for spec in conv_block:input:1x8x8x3 pool_concat_resize:input:1x6x6x4 float_head:x:1x5x7; do
    plan="${spec%%:*}"; input="${spec#*:}"
    run "$arch int8-runner $plan" sh -c "$* $bin --model test/plans/$plan.plan.json --input ${input}:test/plans/$plan.input.bin --warmup 1 --runs 3 --profile-runs 2 --threads 1 | grep -q '^{\"runner\":\"int8-runner\",.*\"profiledRuns\":2,\"layers\":\[{\"name\"'"
  done
  run "$arch int8-runner --version" sh -c "$* $bin --version | grep -q '^{\"runner\":\"int8-runner\",\"version\":'"
  # A model it cannot run: the error line on stderr, exit 2.
  run "$arch int8-runner unsupported op" sh -c "err=\$($* $bin --model test/plans/unsupported_op.plan.json --input x:1x4:test/plans/unsupported_op.input.bin --warmup 0 --runs 1 --profile-runs 0 --threads 1 2>&1 >/dev/null); rc=\$?; [ \$rc -eq 2 ] && echo \"\$err\" | grep -q '^{\"error\":{\"code\":\"unsupported_op\"'"
  # A request it refuses: exit 3.
  run "$arch int8-runner bad arguments" sh -c "err=\$($* $bin --model test/plans/float_head.plan.json --input x:1x5:test/plans/float_head.input.bin --warmup 0 --runs 1 --profile-runs 0 --threads 1 2>&1 >/dev/null); rc=\$?; [ \$rc -eq 3 ] && echo \"\$err\" | grep -q '\"code\":\"bad_arguments\"'"
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
