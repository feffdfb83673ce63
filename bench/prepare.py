"""Bench helper run with the bench's settings and database (scripts/bench.sh): writes `fixture.json` for the load
tool and measures each page alone.

- Sessions: one signed-in session per simulated user, for the national admin and the local user of seed_scale,
  written the way Django's `login()` writes them. The load tool then sends the session cookie itself: the bench
  measures pages, not password hashing, and production's secure cookies need no HTTPS on loopback.
- Sites: a fixed sample of seeded site ids (open and closed) visible to the national admin.
- Profile (`--profile`): each page is requested in-process, one request at a time, through Django's test client,
  with every query timed by a database execute wrapper; the medians of the process's CPU time, the SQL time and
  the query count go in `sql.json`, and `EXPLAIN ANALYZE` of the slowest query of each page in
  `explain-<page>.txt`.

Usage: python bench/prepare.py OUTPUT_DIR [--profile]
"""

import json
import os
import random
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
from resorption.demo import scale  # noqa: E402
from resorption.settlements.enums import SiteStatus  # noqa: E402
from resorption.settlements.models import Site  # noqa: E402

SESSIONS_PER_ACCOUNT = 20
SAMPLE_SITES = 400
PROFILE_RUNS = 15


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


def counts() -> dict[str, int]:
    history = Site.history.model
    return {
        "open": Site.objects.filter(status=SiteStatus.OPEN).count(),
        "closed": Site.objects.filter(status=SiteStatus.CLOSED).count(),
        "versions": history.objects.count(),
        "users": User.objects.count(),
    }


def profile(fixture: dict, output: Path) -> dict:
    """Median SQL time, query count, in-process time and CPU time of each page (Django's test client, one request
    at a time)."""
    clients = {}
    for account in ("admin", "local"):
        client = Client(SERVER_NAME="127.0.0.1")
        client.force_login(User.objects.get(email=fixture["accounts"][account]))
        clients[account] = client
    clients["anonymous"] = Client(SERVER_NAME="127.0.0.1")
    results = {}
    rng = random.Random(7)
    for page in PAGES:
        client = clients[page.account]
        sql_ms, queries, total_ms, cpu_ms, slowest = [], [], [], [], (0.0, "", ())
        for run in range(PROFILE_RUNS + 2):
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
                raise SystemExit(f"{page.label}: {url} answered {response.status_code}")
            if run < 2:  # warm-up
                continue
            sql_ms.append(sum(spent for spent, _, _ in timed))
            queries.append(len(timed))
            total_ms.append(elapsed)
            cpu_ms.append(cpu)
            slowest = max([slowest, *timed], key=lambda each: each[0])
        results[page.name] = {
            "sql_ms": round(statistics.median(sql_ms), 1),
            "queries": max(queries),
            "in_process_ms": round(statistics.median(total_ms), 1),
            # CPU time of the Django process alone: what other work on the machine does not inflate.
            "app_cpu_ms": round(statistics.median(cpu_ms), 1),
            "slowest_query_ms": round(slowest[0], 1),
        }
        if slowest[1].lstrip().upper().startswith("SELECT"):
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest[1], slowest[2])
                plan = "\n".join(row[0] for row in cursor.fetchall())
            (output / f"explain-{page.name}.txt").write_text(f"{slowest[1]}\n{slowest[2]}\n\n{plan}\n")
    return results


def main() -> None:
    output = Path(sys.argv[1])
    output.mkdir(parents=True, exist_ok=True)
    admin = User.objects.get(email=scale.NATIONAL_ADMIN_EMAIL)
    local = User.objects.get(email=scale.LOCAL_USER_EMAIL)
    fixture = {
        "accounts": {"admin": admin.email, "local": local.email},
        "sessions": {"admin": sessions(admin), "local": sessions(local)},
        "sites": site_sample(admin),
        "local_departement": local.organization.departement_id,
        "counts": counts(),
    }
    (output / "fixture.json").write_text(json.dumps(fixture, indent=1))
    if "--profile" in sys.argv:
        (output / "sql.json").write_text(json.dumps(profile(fixture, output), indent=1))


if __name__ == "__main__":
    main()
