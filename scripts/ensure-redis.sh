#!/usr/bin/env bash
# Make sure a Redis server answers on 127.0.0.1:6379 (REDIS_HOST/REDIS_PORT): the tests check sessions and the cache
# on Redis, as production may run them (CACHE_URL=redis://…). Starts Debian's redis-server when it is down, and
# installs it (as root) when it is missing.
set -euo pipefail
host="${REDIS_HOST:-127.0.0.1}"
port="${REDIS_PORT:-6379}"

answers() { command -v redis-cli >/dev/null 2>&1 && [ "$(redis-cli -h "$host" -p "$port" ping 2>/dev/null)" = PONG ]; }

if answers; then
  echo "Redis answers on $host:$port."
  exit 0
fi
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Redis is missing: install Debian's 'redis-server' package." >&2
    exit 1
  fi
  apt-get -o DPkg::Lock::Timeout=300 -qq update
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -qq install -y redis-server >/dev/null
fi
echo "Starting Redis on $host:$port…"
redis-server --bind "$host" --port "$port" --daemonize yes --save "" --appendonly no >/dev/null
for _ in $(seq 30); do
  if answers; then
    echo "Redis answers on $host:$port."
    exit 0
  fi
  sleep 1
done
echo "Redis did not answer on $host:$port within 30 s." >&2
exit 1
