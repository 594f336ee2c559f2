#!/usr/bin/env bash
# Builds everything the farm runs: the Prisma client (generated offline: the client needs no
# engine binary), all TypeScript projects (and type-checks the specs, which dist/ leaves out),
# the native OpenCV DNN runner and the int8 runtime.
#   scripts/build.sh [--no-native-int8]
set -euo pipefail
cd "$(dirname "$0")/.."

echo "[build] prisma client"
PRISMA_SCHEMA_ENGINE_BINARY=/bin/true npx --no-install prisma generate --schema prisma/schema.prisma >/dev/null
echo "[build] typescript"
npx --no-install tsc -b
echo "[build] type-check specs and test/ (not part of dist; jest runs them from source)"
npx --no-install tsc -p tsconfig.spec.json
echo "[build] opencv runner"
bash device-agents/opencv-runner/build.sh >/dev/null
if [ "${1:-}" != "--no-native-int8" ] && [ -f device-agents/native/build.sh ]; then
  echo "[build] native int8 runtime (x86_64)"
  bash device-agents/native/build.sh x86_64 >/dev/null
fi
