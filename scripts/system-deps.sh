#!/usr/bin/env bash
# Installs the Debian packages the project needs that npm cannot provide, and only those missing:
#   scripts/system-deps.sh          everything the test suite uses (CI runs this as root)
#   scripts/system-deps.sh --farm   only what the main demo needs (OpenCV DNN runner build)
#   scripts/system-deps.sh --farm-android   that, plus emulated arm64 phones (npm run farm -- --android-emulated N)
# apt-get update runs only when something has to be installed. Prints what it installed.
set -euo pipefail

test_packages=(
  redis-server          # BullMQ's default backend; scripts/services/redis.sh starts it
  libopencv-dnn-dev     # OpenCV DNN runner (headers and libs)
  libonnx-testdata      # ONNX backend conformance cases
  chromium              # browser tests through playwright-core
  g++-aarch64-linux-gnu # static arm64 builds of the phone runners
  qemu-user-static      # runs those arm64 binaries here
  cmake
  pkg-config
  nlohmann-json3-dev
  adb                   # Android device transport
  busybox-static        # shell and toolbox of the emulated Android devices (device-agents/emulated-android)
)
farm_packages=(
  libopencv-dnn-dev
  cmake
  g++
  nlohmann-json3-dev    # the int8 runtime's plan reader (scripts/build.sh builds it for the desktop agent)
)

android_packages=(
  g++-aarch64-linux-gnu # the static arm64 int8-runner the phones get
  qemu-user-static      # runs it on the emulated phones
  adb                   # the real adb server between the agent and the phones
  busybox-static        # the emulated phones' shell and toolbox
)

case "${1:-}" in
  "") wanted=("${test_packages[@]}") ;;
  --farm) wanted=("${farm_packages[@]}") ;;
  --farm-android) wanted=("${farm_packages[@]}" "${android_packages[@]}") ;;
  -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
  *) echo "usage: $0 [--farm|--farm-android]" >&2; exit 2 ;;
esac

is_installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

missing=()
for pkg in "${wanted[@]}"; do
  is_installed "$pkg" || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system-deps: all present (${wanted[*]})"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null; then
  sudo=(sudo)
else
  echo "system-deps: missing ${missing[*]}; run as root or install sudo" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "system-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq -o Dpkg::Use-Pty=0 "${missing[@]}" >/dev/null

for pkg in "${missing[@]}"; do
  if ! is_installed "$pkg"; then
    echo "system-deps: $pkg did not install" >&2
    exit 1
  fi
done
echo "system-deps: installed ${missing[*]}"
