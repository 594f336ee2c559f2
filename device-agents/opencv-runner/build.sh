#!/usr/bin/env bash
# Builds the native OpenCV DNN runner into device-agents/opencv-runner/build/opencv_runner.
# Needs cmake, a C++17 compiler and Debian's libopencv-dnn-dev (OpenCV 4.x).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

for tool in cmake c++; do
  command -v "$tool" >/dev/null || { echo "opencv-runner: '$tool' not found; install it with: apt-get install -y cmake g++" >&2; exit 1; }
done
if [ ! -f /usr/include/opencv4/opencv2/dnn.hpp ] || ! ls /usr/lib/*/libopencv_dnn.so >/dev/null 2>&1; then
  echo "opencv-runner: OpenCV DNN development files are missing; install them with: apt-get install -y libopencv-dnn-dev" >&2
  exit 1
fi

cmake -S "$here" -B "$here/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$here/build" --parallel 2
echo "built $here/build/opencv_runner"
