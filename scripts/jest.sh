#!/usr/bin/env bash
# Runs jest the way the tiers need it: ESM through Node's vm modules (see jest.config.mjs), one
# test file at a time. Arguments go to jest, e.g. scripts/jest.sh --selectProjects unit
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --experimental-vm-modules --no-warnings=ExperimentalWarning node_modules/jest/bin/jest.js --runInBand "$@"
