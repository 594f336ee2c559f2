# Sourced by bench scripts that need the farm's services: starts (or reuses) the test Postgres and
# Redis on TEST_PG_PORT / TEST_REDIS_PORT as scripts/test.sh does, and exports TEST_PG_URL and
# TEST_REDIS_URL. Run from the repository root.
export EMBEDDED_PG_DIR=.farm/test-pg EMBEDDED_PG_PORT="${TEST_PG_PORT:-54339}"
export REDIS_PORT="${TEST_REDIS_PORT:-6399}" REDIS_DIR=.farm/test-redis
pg_url=$(node scripts/services/embedded-postgres.mjs start)
export TEST_PG_URL="${pg_url%/*}/postgres"
redis_url=$(bash scripts/services/redis.sh start)
export TEST_REDIS_URL="$redis_url"
