#!/usr/bin/env bash
# Starts the test Postgres and Redis (as scripts/test.sh does), then bench/ingest/run.mjs with its arguments.
set -euo pipefail
cd "$(dirname "$0")/../.."
export EMBEDDED_PG_DIR=.farm/test-pg EMBEDDED_PG_PORT="${TEST_PG_PORT:-54339}"
export REDIS_PORT="${TEST_REDIS_PORT:-6399}" REDIS_DIR=.farm/test-redis
pg_url=$(node scripts/services/embedded-postgres.mjs start)
export TEST_PG_URL="${pg_url%/*}/postgres"
redis_url=$(bash scripts/services/redis.sh start)
export TEST_REDIS_URL="$redis_url"
node bench/ingest/run.mjs "$@"
