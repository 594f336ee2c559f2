#!/usr/bin/env bash
# Builds ncnn-runner against an NCNN install (NCNN_DIR, the prefix NCNN's `cmake --install` filled).
#   NCNN_DIR=/opt/ncnn/x86_64  ./build.sh            -> build/x86_64/ncnn-runner
#   NCNN_DIR=/opt/ncnn/aarch64 ./build.sh aarch64    -> build/aarch64/ncnn-runner, static, arm64
# The aarch64 build uses Debian's cross g++ (apt-get install -y g++-aarch64-linux-gnu), with the
# same toolchain file as the int8 runtime; its NCNN must be a static aarch64 build (README.md).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="${1:-x86_64}"

if [ -z "${NCNN_DIR:-}" ]; then
  echo "ncnn-runner: set NCNN_DIR to an NCNN install prefix built for $target (see device-agents/ncnn-runner/README.md)" >&2
  exit 1
fi
if [ ! -f "$NCNN_DIR/lib/cmake/ncnn/ncnnConfig.cmake" ] && [ ! -f "$NCNN_DIR/lib64/cmake/ncnn/ncnnConfig.cmake" ]; then
  echo "ncnn-runner: $NCNN_DIR holds no NCNN install (no lib/cmake/ncnn/ncnnConfig.cmake)" >&2
  exit 1
fi

case "$target" in
  x86_64)
    cmake -S "$here" -B "$here/build/x86_64" -DCMAKE_BUILD_TYPE=Release -DNCNN_DIR="$NCNN_DIR" >/dev/null
    ;;
  aarch64)
    command -v aarch64-linux-gnu-g++ >/dev/null || { echo "ncnn-runner: aarch64-linux-gnu-g++ not found; apt-get install -y g++-aarch64-linux-gnu" >&2; exit 1; }
    cmake -S "$here" -B "$here/build/aarch64" -DCMAKE_BUILD_TYPE=Release -DNCNN_DIR="$NCNN_DIR" \
      -DCMAKE_TOOLCHAIN_FILE="$here/../native/cmake/aarch64-linux-gnu.cmake" -DFARM_STATIC=ON >/dev/null
    ;;
  *) echo "usage: NCNN_DIR=... $0 [x86_64|aarch64]" >&2; exit 2 ;;
esac
cmake --build "$here/build/$target" --parallel 2
echo "built $here/build/$target/ncnn-runner"
