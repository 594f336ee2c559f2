#!/usr/bin/env bash
# The project's own Redis for BullMQ: a daemonized redis-server on a project-local port and data
# folder, installed with apt-get when missing (no npm package ships a Redis binary).
#
#   scripts/services/redis.sh start|stop|url|status
#   env: REDIS_PORT (default 6389), REDIS_DIR (default .farm/redis)
#
# `start` and `url` print only the REDIS_URL on stdout (progress goes to stderr), so
# `export REDIS_URL=$(scripts/services/redis.sh start)` works. Starting twice reuses the server.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
port="${REDIS_PORT:-6389}"
dir="${REDIS_DIR:-$repo_root/.farm/redis}"
url="redis://127.0.0.1:${port}"

log() { echo "[redis] $*" >&2; }

ping() {
  [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]
}

ensure_installed() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  log "installing redis-server"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq -o Dpkg::Use-Pty=0 redis-server >/dev/null
  # The package also enables a system-wide server on 6379; ours is separate and leaves it alone.
}

start() {
  ensure_installed
  # INFO answers even when the server refuses writes (PING does not then).
  pid="$( (redis-cli -h 127.0.0.1 -p "$port" info server 2>/dev/null || true) | sed -n 's/^process_id:\([0-9]*\).*/\1/p')"
  if [ -n "$pid" ]; then
    if [ "$(redis-cli -h 127.0.0.1 -p "$port" set farm:write-probe 1 2>&1)" = "OK" ]; then
      log "reusing the server already answering on 127.0.0.1:${port}"
      echo "$url"
      return
    fi
    # E.g. its data folder was deleted under it (an old checkout removed): it cannot persist and
    # refuses writes, so it is replaced rather than reused.
    log "the server on 127.0.0.1:${port} (pid $pid) refuses writes; replacing it"
    kill -9 "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)" # redis-server resolves relative paths after it chdirs into --dir
  # noeviction: BullMQ keeps jobs as keys, and an evicted key is a lost or corrupted job.
  # appendonly: queued jobs survive a restart of the server. The append-only file is the
  # durability; RDB snapshots add nothing and, when one fails, make Redis refuse all writes.
  redis-server \
    --port "$port" --bind 127.0.0.1 \
    --dir "$dir" --appendonly yes --save "" --maxmemory-policy noeviction \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
  for _ in $(seq 1 100); do
    if ping; then
      log "started on 127.0.0.1:${port} (data: $dir)"
      echo "$url"
      return
    fi
    sleep 0.1
  done
  log "no answer on 127.0.0.1:${port} after 10 s; end of $dir/redis.log:"
  tail -n 20 "$dir/redis.log" >&2 || true
  exit 1
}

stop() {
  if ! command -v redis-cli >/dev/null || ! ping; then
    log "not running on 127.0.0.1:${port}"
    return
  fi
  redis-cli -h 127.0.0.1 -p "$port" shutdown >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    ping || { log "stopped"; return; }
    sleep 0.1
  done
  log "still answering on 127.0.0.1:${port} after shutdown"
  exit 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) echo "$url" ;;
  status) if ping; then echo running; else echo stopped; exit 3; fi ;;
  *) echo "usage: $0 start|stop|url|status" >&2; exit 2 ;;
esac
