"""Bench helper run with the bench's settings and database (scripts/bench.sh): writes `fixture.json` for the load
tool and measures each page alone.

- Sessions: one signed-in session per simulated user, for the national admin and the local user of seed_scale,
  written the way Django's `login()` writes them. The load tool then sends the session cookie itself: the bench
  measures pages, not password hashing, and production's secure cookies need no HTTPS on loopback.
- Sites: a fixed sample of seeded site ids (open and closed) visible to the national admin.
- Profile (`--profile`): each page is requested in-process, one request at a time, through Django's test client,
  with every query timed by a database execute wrapper; the medians of the process's CPU time, the SQL time and
  the query count go in `sql.json`, with the Python function calls of a request (cProfile: a figure machine noise
  does not move), and `EXPLAIN ANALYZE` of the slowest query of each page in
  `explain-<page>.txt`. A page that does not answer 200 is recorded as such (the report shows it), not fatal.
- Plans (pages with `check_plans`): `EXPLAIN (ANALYZE, BUFFERS)` of every query of one request, all kept in
  `plans-<page>.txt`; each sequential scan of a large table (over `LARGE_TABLE_ROWS` rows by the planner's
  statistics) goes in `plans.json` with the rows it read and its time, for the report's « Plans » section.

`--profile-only` measures the pages of the `fixture.json` already in OUTPUT_DIR without writing a new one: the full
scale's profile runs after its load runs, when PostgreSQL's buffers and the OS cache hold what the pages read, as on
a server in service. Right after seeding, the first reads of each sampled site came from disk and made « one request
alone » a measure of the cache's state (a site page's SQL: 8.2 ms cold in one run, 2.2–2.4 ms warm).

Usage: python bench/prepare.py OUTPUT_DIR [--profile | --profile-only]
"""

import cProfile
import json
import os
import pstats
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

from bench.pages import PAGES  # noqa: E402
from resorption.accounts.models import User  # noqa: E402
from resorption.actions.models import Action  # noqa: E402
from resorption.demo import scale  # noqa: E402
from resorption.journal.models import JournalEntry  # noqa: E402
from resorption.notifications.models import Notification  # noqa: E402
from resorption.settlements.enums import SiteStatus  # noqa: E402
from resorption.settlements.models import Site  # noqa: E402

SESSIONS_PER_ACCOUNT = 20
SAMPLE_SITES = 400
PROFILE_RUNS = 15
# Requests of each page before the measured ones, on other sampled URLs: a production worker serves thousands, so
# its statements are prepared server-side (psycopg prepares a query text on its 5th execution, settings/base.py) and
# its caches are filled. With 2, a site page's SQL measured 5.6 ms where the same worker settles at 2 ms after about
# ten requests (bench run of 3 December 2026).
WARMUP_RUNS = 20
CALL_RUNS = 3
LARGE_TABLE_ROWS = 10_000
_SEQ_SCAN = re.compile(
    r"(?P<parallel>Parallel )?Seq Scan on (?P<table>\w+)(?: \w+)?\s+\(cost=[^)]*\)"
    r"(?: \(actual time=[\d.]+\.\.(?P<ms>[\d.]+) rows=(?P<rows>\d+) loops=(?P<loops>\d+)\))?"
)
_REMOVED = re.compile(r"Rows Removed by Filter: (\d+)")


def sessions(user: User) -> list[str]:
    store_class = import_string(settings.SESSION_ENGINE + ".SessionStore")
    keys = []
    for _ in range(SESSIONS_PER_ACCOUNT):
        store = store_class()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        keys.append(store.session_key)
    return keys


def site_sample(user: User) -> list[int]:
    rng = random.Random(2026)
    ids = []
    for status, share in ((SiteStatus.OPEN, 0.5), (SiteStatus.CLOSED, 0.5)):
        pool = list(Site.objects.visible_to(user).filter(status=status).values_list("pk", flat=True).order_by("pk"))
        ids += rng.sample(pool, min(len(pool), int(SAMPLE_SITES * share)))
    rng.shuffle(ids)
    return ids


def action_sample(user: User) -> list[int]:
    """A fixed sample of the seeded actions the user reads (the action page's ids)."""
    pool = list(Action.objects.visible_to(user).values_list("pk", flat=True).order_by("pk"))
    return random.Random(2026).sample(pool, min(len(pool), SAMPLE_SITES))


def counts() -> dict[str, int]:
    history = Site.history.model
    return {
        "open": Site.objects.filter(status=SiteStatus.OPEN).count(),
        "closed": Site.objects.filter(status=SiteStatus.CLOSED).count(),
        "versions": history.objects.count(),
        "users": User.objects.count(),
        "messages": JournalEntry.objects.count(),
        "notifications": Notification.objects.count(),
        "actions": Action.objects.count(),
    }


def large_tables() -> dict[str, int]:
    """Tables over `LARGE_TABLE_ROWS` rows, by the planner's statistics (the bench has run VACUUM ANALYZE)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r' AND reltuples >= %s",
            [LARGE_TABLE_ROWS],
        )
        return dict(cursor.fetchall())


def seq_scans(plan: str, large: dict[str, int]) -> list[dict]:
    """The sequential scans of large tables in an `EXPLAIN ANALYZE` text: table, rows read (kept + removed by the
    filter, over all loops) and the node's time."""
    found = []
    lines = plan.splitlines()
    for number, line in enumerate(lines):
        match = _SEQ_SCAN.search(line)
        if not match or match["table"] not in large:
            continue
        loops = int(match["loops"] or 1)
        rows = int(match["rows"] or 0)
        removed = 0
        indent = len(line) - len(line.lstrip())
        for detail in lines[number + 1 :]:
            if len(detail) - len(detail.lstrip()) <= indent or "->" in detail:
                break
            if removed_match := _REMOVED.search(detail):
                removed = int(removed_match[1])
        found.append(
            {
                "table": match["table"],
                "table_rows": large[match["table"]],
                "rows_read": (rows + removed) * loops,
                "ms": float(match["ms"] or 0) * loops,
            }
        )
    return found


def explain(sql: str, params: tuple) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def python_calls(client: Client, page, rng: random.Random, fixture: dict) -> int:
    """Python function calls per request (cProfile, mean of `CALL_RUNS` requests): the one figure of a page's cost
    that other work on the machine does not move, to compare two runs made on a busy machine."""
    profiler = cProfile.Profile()
    for _ in range(CALL_RUNS):
        url = page.url(rng, fixture)
        profiler.enable()
        client.get(url, secure=True)
        profiler.disable()
    return round(pstats.Stats(profiler).total_calls / CALL_RUNS)


def profile(fixture: dict, output: Path) -> tuple[dict, dict]:
    """Median SQL time, query count, in-process time and CPU time of each page (Django's test client, one request
    at a time); and the sequential scans of large tables in the plans of the pages with `check_plans`."""
    clients = {}
    for account in ("admin", "local"):
        client = Client(SERVER_NAME="127.0.0.1", raise_request_exception=False)
        client.force_login(User.objects.get(email=fixture["accounts"][account]))
        clients[account] = client
    clients["anonymous"] = Client(SERVER_NAME="127.0.0.1", raise_request_exception=False)
    results, plans = {}, {}
    large = large_tables()
    rng = random.Random(7)
    for page in PAGES:
        client = clients[page.account]
        sql_ms, queries, total_ms, cpu_ms, sizes, slowest = [], [], [], [], [], (0.0, "", ())
        failed = None
        timed: list[tuple[float, str, tuple]] = []
        for run in range(PROFILE_RUNS + WARMUP_RUNS):
            url = page.url(rng, fixture)
            timed: list[tuple[float, str, tuple]] = []

            def timer(execute, sql, params, many, context, timed=timed):
                started = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    timed.append(((time.perf_counter() - started) * 1000, sql, tuple(params or ())))

            with connection.execute_wrapper(timer):
                started, cpu_started = time.perf_counter(), time.process_time()
                response = client.get(url, secure=True)
                elapsed = (time.perf_counter() - started) * 1000
                cpu = (time.process_time() - cpu_started) * 1000
            if response.status_code != 200:
                failed = f"HTTP {response.status_code} on {url}"
                break
            if run < WARMUP_RUNS:
                continue
            sql_ms.append(sum(spent for spent, _, _ in timed))
            queries.append(len(timed))
            total_ms.append(elapsed)
            cpu_ms.append(cpu)
            sizes.append(len(response.content))
            slowest = max([slowest, *timed], key=lambda each: each[0])
        if failed or not cpu_ms:
            print(f"  {page.name}: {failed}", file=sys.stderr)
            results[page.name] = {"error": failed}
            continue
        results[page.name] = {
            "python_calls": python_calls(client, page, rng, fixture),
            "sql_ms": round(statistics.median(sql_ms), 1),
            "queries": max(queries),
            "in_process_ms": round(statistics.median(total_ms), 1),
            # CPU time of the Django process alone: what other work on the machine does not inflate.
            "app_cpu_ms": round(statistics.median(cpu_ms), 1),
            "slowest_query_ms": round(slowest[0], 1),
            "kb": round(max(sizes) / 1024, 1),
        }
        if slowest[1].lstrip().upper().startswith("SELECT"):
            plan = explain(slowest[1], slowest[2])
            (output / f"explain-{page.name}.txt").write_text(f"{slowest[1]}\n{slowest[2]}\n\n{plan}\n")
        if page.check_plans:
            # Every query of the last request: the ones that read a whole large table, however fast today.
            texts, found = [], []
            for number, (spent, sql, params) in enumerate(timed, start=1):
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                plan = explain(sql, params)
                texts.append(f"-- query {number} ({spent:.1f} ms)\n{sql}\n{params}\n\n{plan}\n")
                for scan in seq_scans(plan, large):
                    found.append({**scan, "query": number, "sql": " ".join(sql.split())[:300]})
            (output / f"plans-{page.name}.txt").write_text("\n".join(texts))
            plans[page.name] = {"queries": len(timed), "seq_scans": found}
    return results, plans


def busiest_departement() -> str:
    """The département holding the most sites, open or closed (its statistics page reads the most versions)."""
    from django.db.models import Count

    return (
        Site.objects.values("commune__departement_id")
        .annotate(sites=Count("id"))
        .order_by("-sites")
        .values_list("commune__departement_id", flat=True)[0]
    )


def main() -> None:
    output = Path(sys.argv[1])
    output.mkdir(parents=True, exist_ok=True)
    if "--profile-only" in sys.argv:
        # After the load runs (scripts/bench.sh): the pages of the fixture already written, on warm caches.
        fixture = json.loads((output / "fixture.json").read_text())
        results, plans = profile(fixture, output)
        (output / "sql.json").write_text(json.dumps(results, indent=1))
        (output / "plans.json").write_text(json.dumps(plans, indent=1))
        return
    admin = User.objects.get(email=scale.NATIONAL_ADMIN_EMAIL)
    local = User.objects.get(email=scale.LOCAL_USER_EMAIL)
    fixture = {
        "accounts": {"admin": admin.email, "local": local.email},
        "sessions": {"admin": sessions(admin), "local": sessions(local)},
        "sites": site_sample(admin),
        "actions": action_sample(admin),
        "local_departement": local.organization.departement_id,
        "busiest_departement": busiest_departement(),
        "counts": counts(),
    }
    (output / "fixture.json").write_text(json.dumps(fixture, indent=1))
    if "--profile" in sys.argv:
        results, plans = profile(fixture, output)
        (output / "sql.json").write_text(json.dumps(results, indent=1))
        (output / "plans.json").write_text(json.dumps(plans, indent=1))


if __name__ == "__main__":
    main()
