#!/usr/bin/env bash
# Installs npm dependencies when node_modules is missing or older than the lockfile, so the
# README's two commands work on a fresh clone with nothing but Node and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm install rather than npm ci: it honours the lockfile but tolerates platform-specific
  # optional packages that a lockfile written on another machine may lack.
  echo "[setup] npm install"
  npm install --no-audit --no-fund
fi
