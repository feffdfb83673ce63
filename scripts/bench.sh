#!/usr/bin/env bash
# `make bench`: load-test the platform as it runs in production — gunicorn with 2 sync workers, PostgreSQL,
# `config.settings.prod`, static files collected for WhiteNoise — on the national data set of `seed_scale`, with wrk
# (a native load tool, docs/decisions/0009-native-load-tool.md) pinned apart from the server, then write the results
# into docs/benchmarks.md. See docs/benchmarks.md for what is measured and why.
#
# Settings (environment): BENCH_DB (resorption_bench), BENCH_SMALL_DB (resorption_bench_small; empty to skip the
# smaller-scale comparison), BENCH_OPEN/BENCH_CLOSED (5000/25000), BENCH_MESSAGES (300000), BENCH_SEED_USERS (15000),
# BENCH_SMALL_OPEN/BENCH_SMALL_CLOSED/BENCH_SMALL_MESSAGES (500/2500/0), BENCH_USERS (10 concurrent users),
# BENCH_DURATION per page under load (15s), BENCH_ALONE_DURATION per page one request at a time (5s), BENCH_WARMUP
# (5s), BENCH_PIN (shared | split | none; see below), BENCH_PIN_COMPARE (1: also measure the other pinning),
# BENCH_PORT (18765), BENCH_CONN_MAX_AGE (600), PGHOST/PGPORT/PGUSER (127.0.0.1/5432/postgres), BENCH_DOC
# (docs/benchmarks.md). CACHE_URL and SESSION_STORE, when set, reach the server as they are.
# Never points at the `postgres` or `test_*` databases; seeds a database only when it does not hold the data set asked.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python=.venv/bin/python
db="${BENCH_DB:-resorption_bench}"
small_db="${BENCH_SMALL_DB-resorption_bench_small}"
users="${BENCH_USERS:-10}"
duration="${BENCH_DURATION:-15s}"
alone_duration="${BENCH_ALONE_DURATION:-5s}"
warmup="${BENCH_WARMUP:-5s}"
port="${BENCH_PORT:-18765}"
workers=2
doc="${BENCH_DOC:-docs/benchmarks.md}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
run_dir="var/bench/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$run_dir"

for name in "$db" "$small_db"; do
  case "$name" in
    postgres | template* | test | test_*) echo "Refusing to bench on the database '$name'." >&2 && exit 1 ;;
  esac
done

# The load tool: wrk, from Debian. Installed when missing and we are root; otherwise say how.
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing wrk (Debian package)…"
    apt-get install -y -q wrk >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
  fi
  if ! command -v wrk >/dev/null; then
    echo "make bench needs the load tool wrk: install it with 'sudo apt-get install wrk' (Debian, Ubuntu)." >&2
    exit 1
  fi
fi

# Pinning (docs/benchmarks.md, « Load tool and pinning »). PostgreSQL is a shared system service: never pinned.
# - shared (default): gunicorn on every CPU; wrk pinned on CPU 0 at the lowest priority (nice 19), so the server
#   gets the CPU whenever both want it.
# - split: gunicorn on CPUs 1…n-1, wrk on CPU 0 (on 2 CPUs: the 2 workers share one CPU).
# - none: no pinning, no priority.
pin="${BENCH_PIN:-shared}"
cpus="$(nproc)"
pin_prefixes() {  # pin_prefixes MODE: sets server_prefix and load_prefix
  server_prefix="" load_prefix=""
  if [ "$1" = none ] || [ "$cpus" -lt 2 ] || ! taskset -c 0 true 2>/dev/null; then
    pin_used=none
    return
  fi
  pin_used="$1"
  case "$1" in
    shared) load_prefix="taskset -c 0 nice -n 19" ;;
    split) server_prefix="taskset -c 1-$((cpus - 1))" load_prefix="taskset -c 0" ;;
    *) echo "BENCH_PIN must be shared, split or none (not '$1')." >&2 && exit 1 ;;
  esac
}
pin_prefixes "$pin"

# Production settings, with local values: a throwaway key, loopback only. SECURE_SSL_REDIRECT keeps its
# production value: the load tool sends X-Forwarded-Proto: https like the production proxy.
export DJANGO_SETTINGS_MODULE=config.settings.prod
export SECRET_KEY="bench-only-not-a-secret-$(hostname)-0123456789abcdefghijklmnopqrstuvwxyz"
export ALLOWED_HOSTS=127.0.0.1 BASE_URL="http://127.0.0.1:$port"
export DATABASE_CONN_MAX_AGE="${BENCH_CONN_MAX_AGE:-600}"
export LOG_LEVEL="${BENCH_LOG_LEVEL:-INFO}"
export BENCH_PORT="$port"
export BENCH_WORKERS="$workers"

gunicorn_pid=""
stop_gunicorn() {
  if [ -n "$gunicorn_pid" ] && kill -0 "$gunicorn_pid" 2>/dev/null; then
    kill -TERM "$gunicorn_pid"
    wait "$gunicorn_pid" 2>/dev/null || true
  fi
  gunicorn_pid=""
}
trap stop_gunicorn EXIT
trap 'exit 130' INT TERM

prepare_database() {  # prepare_database NAME OPEN CLOSED MESSAGES
  local name="$1" open="$2" closed="$3" messages="$4"
  if ! psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
    psql -d postgres -qc "CREATE DATABASE \"$name\""
  fi
  export DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$name"
  "$python" manage.py migrate --noinput -v 0
  "$python" manage.py createcachetable
  "$python" manage.py seed_scale --open "$open" --closed "$closed" --messages "$messages" \
    --users "${BENCH_SEED_USERS:-15000}" --skip-if-seeded
  psql -d "$name" -qc "VACUUM ANALYZE"
}

start_gunicorn() {  # start_gunicorn LOGFILE
  if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/"; then
    echo "Something already answers on port $port: set BENCH_PORT to a free port." >&2
    exit 1
  fi
  # shellcheck disable=SC2086  # the prefix is a command and its arguments
  $server_prefix .venv/bin/gunicorn config.wsgi --workers "$workers" --bind "127.0.0.1:$port" \
    --log-level warning >"$1" 2>&1 &
  gunicorn_pid=$!
  for _ in $(seq 60); do
    if ! kill -0 "$gunicorn_pid" 2>/dev/null; then
      echo "gunicorn stopped; see $1" >&2
      exit 1
    fi
    if curl -fs -o /dev/null "http://127.0.0.1:$port/healthz"; then
      return 0
    fi
    sleep 0.5
  done
  echo "gunicorn did not answer on port $port; see $1" >&2
  exit 1
}

load() {  # load DIR RUN…  (RUN = NAME[@SUFFIX]:USERS:DURATION, see bench/load.py)
  BENCH_LOAD_PREFIX="$load_prefix" "$python" bench/load.py "$@"
}

measure() {  # measure DIR PAGE…: each page one request at a time, then each under load
  local dir="$1" name runs=()
  shift
  for name in "$@"; do runs+=("$name@alone:1:$alone_duration"); done
  for name in "$@"; do runs+=("$name:$users:$duration"); done
  load "$dir" "${runs[@]}"
}

scripts/ensure-postgres.sh
"$python" manage.py collectstatic --noinput -v 0
export BENCH_PG_VERSION="$(psql -d postgres -tAc 'SHOW server_version')"
export BENCH_LOAD_BEFORE="$(cut -d' ' -f1 /proc/loadavg)"
printf '{"users": %s, "duration": "%s", "alone_duration": "%s", "workers": %s, "conn_max_age": %s, "pin": "%s", "server_prefix": "%s", "load_prefix": "%s", "cache_url": "%s", "session_store": "%s"}\n' \
  "$users" "$duration" "$alone_duration" "$workers" "$DATABASE_CONN_MAX_AGE" "$pin_used" "$server_prefix" \
  "$load_prefix" "${CACHE_URL:-(default)}" "${SESSION_STORE:-(default)}" >"$run_dir/settings.json"
all_pages=(floor floor_page list_default list_local list_filtered list_closed list_search site_page history journal
  notifications dashboard action_list action_page map map_data directory activity activity_local stats_national
  stats_departement sheet_pdf)
small_pages=(floor_page list_default list_filtered list_closed site_page journal)

if [ -n "$small_db" ]; then
  echo "== Smaller scale ($small_db)"
  prepare_database "$small_db" "${BENCH_SMALL_OPEN:-500}" "${BENCH_SMALL_CLOSED:-2500}" "${BENCH_SMALL_MESSAGES:-0}"
  mkdir -p "$run_dir/small"
  LOG_LEVEL=WARNING "$python" bench/prepare.py "$run_dir/small" --profile
  export BENCH_FIXTURE="$run_dir/small/fixture.json"
  start_gunicorn "$run_dir/small/gunicorn.log"
  load "$run_dir/small" "mix@warmup:$users:$warmup"
  measure "$run_dir/small" "${small_pages[@]}"
  stop_gunicorn
fi

echo "== Full scale ($db)"
prepare_database "$db" "${BENCH_OPEN:-5000}" "${BENCH_CLOSED:-25000}" "${BENCH_MESSAGES:-300000}"
LOG_LEVEL=WARNING "$python" bench/prepare.py "$run_dir"
export BENCH_FIXTURE="$run_dir/fixture.json"
start_gunicorn "$run_dir/gunicorn.log"
load "$run_dir" "mix@warmup:$users:$warmup"
measure "$run_dir" "${all_pages[@]}"
load "$run_dir" "mix:$users:$duration" "floor_page@end:$users:$duration"
stop_gunicorn
# Alone and in-process once the server has run, on warm caches (bench/prepare.py, --profile-only).
echo "  Profile of each page alone, in-process, and plans…"
LOG_LEVEL=WARNING "$python" bench/prepare.py "$run_dir" --profile-only

if [ "${BENCH_PIN_COMPARE:-0}" = 1 ] && [ "$pin_used" != none ]; then
  other=split
  [ "$pin_used" = split ] && other=shared
  echo "== The other pinning ($other), for comparison"
  pin_prefixes "$other"
  mkdir -p "$run_dir/pin-$other"
  start_gunicorn "$run_dir/pin-$other/gunicorn.log"
  load "$run_dir/pin-$other" "mix@warmup:$users:$warmup" "floor_page:$users:$duration" \
    "site_page:$users:$duration" "mix:$users:$duration"
  stop_gunicorn
  pin_prefixes "$pin"
fi

# The 5,000-site export, in a process of its own (time and peak memory of what a task worker does), then the same
# export as of a past date.
echo "  Export of every open site with every section…"
LOG_LEVEL=WARNING "$python" bench/export.py "$run_dir"
LOG_LEVEL=WARNING "$python" bench/export.py "$run_dir" --as-of "$(date -d '1 year ago' +%F)"

export BENCH_LOAD_AFTER="$(cut -d' ' -f1 /proc/loadavg)"
"$python" bench/report.py "$run_dir" "$doc"
echo "Results written to $doc (raw files in $run_dir)."
