#!/usr/bin/env bash
# Starts the test Postgres and Redis (bench/lib/test-services.sh), then bench/queue/run.mjs with its arguments.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib/test-services.sh
node bench/queue/run.mjs "$@"
