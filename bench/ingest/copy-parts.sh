#!/usr/bin/env bash
# Starts the test Postgres and Redis (bench/lib/test-services.sh), then bench/ingest/copy-parts.mjs with its arguments.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib/test-services.sh
node bench/ingest/copy-parts.mjs "$@"
