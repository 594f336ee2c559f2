#!/usr/bin/env bash
# The static arm64 int8-runner (the binary phones get) run under qemu-user on this host, with
# the same command line as the native one: lets the x86-64 conformance and ORT-agreement tests
# check the NEON kernels too (FARM_INT8_RUNNER=device-agents/native/qemu-int8-runner.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec qemu-aarch64-static -cpu max "$here/build/aarch64/int8-runner" "$@"
