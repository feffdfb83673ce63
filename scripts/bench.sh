#!/usr/bin/env bash
# `make bench`: load-test the platform as it runs in production — gunicorn with 2 sync workers, PostgreSQL,
# `config.settings.prod`, static files collected for WhiteNoise — on the national data set of `seed_scale`, then
# write the results into docs/benchmarks.md. See docs/benchmarks.md for what is measured and why.
#
# Settings (environment): BENCH_DB (resorption_bench), BENCH_SMALL_DB (resorption_bench_small; empty to skip the
# smaller-scale comparison), BENCH_OPEN/BENCH_CLOSED (5000/25000), BENCH_SMALL_OPEN/BENCH_SMALL_CLOSED (500/2500),
# BENCH_USERS (10), BENCH_DURATION per page (40s), BENCH_WARMUP (10s), BENCH_PORT (18765), BENCH_CONN_MAX_AGE (600),
# PGHOST/PGPORT/PGUSER (127.0.0.1/5432/postgres), BENCH_DOC (docs/benchmarks.md).
# Never points at the `postgres` or `test_*` databases; seeds a database only when it holds no seeded data yet.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python=.venv/bin/python
db="${BENCH_DB:-resorption_bench}"
small_db="${BENCH_SMALL_DB-resorption_bench_small}"
users="${BENCH_USERS:-10}"
duration="${BENCH_DURATION:-40s}"
warmup="${BENCH_WARMUP:-10s}"
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

# Production settings, with local values: a throwaway key, loopback only. SECURE_SSL_REDIRECT keeps its
# production value: the load tool sends X-Forwarded-Proto: https like the production proxy.
export DJANGO_SETTINGS_MODULE=config.settings.prod
export SECRET_KEY="bench-only-not-a-secret-$(hostname)-0123456789abcdefghijklmnopqrstuvwxyz"
export ALLOWED_HOSTS=127.0.0.1 BASE_URL="http://127.0.0.1:$port"
export DATABASE_CONN_MAX_AGE="${BENCH_CONN_MAX_AGE:-600}"
export LOG_LEVEL="${BENCH_LOG_LEVEL:-INFO}"

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

prepare_database() {  # prepare_database NAME OPEN CLOSED
  local name="$1" open="$2" closed="$3"
  if ! psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
    psql -d postgres -qc "CREATE DATABASE \"$name\""
  fi
  export DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$name"
  "$python" manage.py migrate --noinput -v 0
  "$python" manage.py createcachetable
  "$python" manage.py seed_scale --open "$open" --closed "$closed" --skip-if-seeded
  psql -d "$name" -qc "VACUUM ANALYZE"
}

start_gunicorn() {  # start_gunicorn LOGFILE
  if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/"; then
    echo "Something already answers on port $port: set BENCH_PORT to a free port." >&2
    exit 1
  fi
  .venv/bin/gunicorn config.wsgi --workers "$workers" --bind "127.0.0.1:$port" --log-level warning >"$1" 2>&1 &
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

locust_run() {  # locust_run OUTPUT_PREFIX DURATION USER_CLASS
  .venv/bin/locust -f bench/locustfile.py --headless --users "$users" --spawn-rate "$users" --run-time "$2" \
    --host "http://127.0.0.1:$port" --csv "$1" --only-summary --stop-timeout 5 --loglevel WARNING "$3" \
    >"$1.log" 2>&1 || true  # locust exits 1 when a request failed: the report counts errors
}

measure() {  # measure DIR PAGE_NAME…
  local dir="$1" name class
  shift
  for name in "$@"; do
    class="$(sed -E 's/(^|_)([a-z])/\U\2/g' <<<"$name")User"
    echo "  $name ($duration)…"
    locust_run "$dir/$name" "$duration" "$class"
  done
}

scripts/ensure-postgres.sh
"$python" manage.py collectstatic --noinput -v 0
export BENCH_PG_VERSION="$(psql -d postgres -tAc 'SHOW server_version')"
export BENCH_LOAD_BEFORE="$(cut -d' ' -f1 /proc/loadavg)"
printf '{"users": %s, "duration": "%s", "workers": %s, "conn_max_age": %s}\n' \
  "$users" "$duration" "$workers" "$DATABASE_CONN_MAX_AGE" >"$run_dir/settings.json"
all_pages=(floor floor_page list_default list_local list_filtered list_closed list_search site_page history)

if [ -n "$small_db" ]; then
  echo "== Smaller scale ($small_db)"
  prepare_database "$small_db" "${BENCH_SMALL_OPEN:-500}" "${BENCH_SMALL_CLOSED:-2500}"
  mkdir -p "$run_dir/small"
  LOG_LEVEL=WARNING "$python" bench/prepare.py "$run_dir/small" --profile
  export BENCH_FIXTURE="$run_dir/small/fixture.json"
  start_gunicorn "$run_dir/small/gunicorn.log"
  locust_run "$run_dir/small/warmup" "$warmup" MixUser
  measure "$run_dir/small" list_default list_filtered list_closed
  stop_gunicorn
fi

echo "== Full scale ($db)"
prepare_database "$db" "${BENCH_OPEN:-5000}" "${BENCH_CLOSED:-25000}"
echo "  SQL profile of each page…"
LOG_LEVEL=WARNING "$python" bench/prepare.py "$run_dir" --profile
export BENCH_FIXTURE="$run_dir/fixture.json"
start_gunicorn "$run_dir/gunicorn.log"
locust_run "$run_dir/warmup" "$warmup" MixUser
measure "$run_dir" "${all_pages[@]}"
echo "  mix ($duration)…"
locust_run "$run_dir/mix" "$duration" MixUser
stop_gunicorn

"$python" bench/report.py "$run_dir" "$doc"
echo "Results written to $doc (raw files in $run_dir)."
