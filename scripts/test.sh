#!/usr/bin/env bash
# The test command (npm test). On a fresh machine it installs what it needs (apt packages, npm
# packages), lints (ESLint, then Prettier --check), builds everything, starts its own Postgres
# (embedded, PG 18) and Redis on project-local ports, and runs the tiers in order: unit, native
# kernels (x86-64 and arm64 under qemu), infrastructure, integration (real Postgres + Redis), end
# to end (API + agent processes + real engines + headless Chromium), and the embedded farm command
# itself. The TypeScript and plain-ESM tiers run under jest (jest.config.mjs: ESM through Node's
# vm modules, @swc/jest strips types; scripts/jest.sh), one test file at a time; each tier ends
# with jest's "Tests: N passed" summary.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
step() { printf '\n=== %s (%ss) ===\n' "$1" "$(( $(date +%s) - started ))"; }

step "system packages"
bash scripts/system-deps.sh
step "npm packages"
bash scripts/ensure-node-modules.sh
step "lint (eslint, prettier --check)"
npm run --silent lint
step "build"
bash scripts/build.sh
node scripts/fetch-sample-models.mjs >/dev/null

step "services"
export EMBEDDED_PG_DIR=.farm/test-pg EMBEDDED_PG_PORT="${TEST_PG_PORT:-54339}"
export REDIS_PORT="${TEST_REDIS_PORT:-6399}" REDIS_DIR=.farm/test-redis
pg_url=$(node scripts/services/embedded-postgres.mjs start)
export TEST_PG_URL="${pg_url%/*}/postgres"
redis_url=$(bash scripts/services/redis.sh start)
export TEST_REDIS_URL="$redis_url" # assigned apart from export, so a failed start stops the script
cleanup() {
  EMBEDDED_PG_DIR=.farm/test-pg node scripts/services/embedded-postgres.mjs stop >/dev/null 2>&1 || true
  REDIS_PORT="$REDIS_PORT" REDIS_DIR=.farm/test-redis bash scripts/services/redis.sh stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

step "unit tests"
bash scripts/jest.sh --selectProjects unit
if [ -f device-agents/native/test.sh ]; then
  step "native int8 kernels and runtime (x86-64, arm64 under qemu)"
  bash device-agents/native/test.sh
  step "int8 conformance and ORT-agreement tests on the arm64 runner under qemu"
  FARM_INT8_RUNNER=device-agents/native/qemu-int8-runner.sh bash scripts/jest.sh --selectProjects unit --runTestsByPath \
    libs/int8-compiler/src/conformance.spec.ts libs/int8-compiler/src/blazeface-agreement.spec.ts libs/int8-compiler/src/mobilenetv2-agreement.spec.ts
fi
step "infrastructure tests"
bash scripts/jest.sh --selectProjects infra
step "integration tests (real Postgres, real Redis)"
bash scripts/jest.sh --selectProjects integration
step "end-to-end tests (API + agent processes, real engines, headless Chromium)"
# Whole-farm runs on a shared 2-core machine: a generous hang guard, not a speed limit.
bash scripts/jest.sh --selectProjects e2e --testTimeout=1800000
step "done"
