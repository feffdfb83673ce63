#!/usr/bin/env bash
# Make sure the local PostgreSQL answers on PGHOST:PGPORT (127.0.0.1:5432 by default) before the PostgreSQL test run.
# Debian clusters live under /etc/postgresql/<version>/<name>; without systemd they start with pg_ctlcluster.
set -euo pipefail
host="${PGHOST:-127.0.0.1}"
port="${PGPORT:-5432}"
wait_seconds="${POSTGRES_WAIT_SECONDS:-30}"

answers() { pg_isready -q -h "$host" -p "$port"; }

if ! command -v pg_isready >/dev/null 2>&1; then
  echo "pg_isready is missing: install Debian's 'postgresql' package (trust auth on 127.0.0.1 for user postgres)." >&2
  exit 1
fi
if answers; then
  echo "PostgreSQL answers on $host:$port."
  exit 0
fi

# Debian's pg_lsclusters lists "version name port status owner …"; take the newest cluster on the wanted port.
read -r version name < <(pg_lsclusters --no-header 2>/dev/null | awk -v port="$port" '$3 == port {print $1, $2}' \
  | sort -V -r | head -n 1) || true
if [ -z "${version:-}" ]; then
  echo "PostgreSQL does not answer on $host:$port and no cluster in /etc/postgresql uses that port." >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ] && [ "$(id -un)" != postgres ]; then
  echo "PostgreSQL $version/$name is down; start it with: sudo pg_ctlcluster $version $name start" >&2
  exit 1
fi

echo "Starting PostgreSQL $version/$name…"
# An "already running" answer is fine: the loop below decides.
pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start || true
for _ in $(seq "$wait_seconds"); do
  if answers; then
    echo "PostgreSQL answers on $host:$port."
    exit 0
  fi
  sleep 1
done
echo "PostgreSQL $version/$name did not answer on $host:$port within ${wait_seconds}s; see /var/log/postgresql/." >&2
exit 1
