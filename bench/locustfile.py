"""Locust scenarios of `make bench` (run by scripts/bench.sh; docs/decisions/0006-load-testing-tool.md).

One user class per page of bench/pages.py (`FloorUser`, `ListDefaultUser`, …) plus `MixUser`. Users wait 0 s
between requests (closed loop): 10 users keep 10 requests in flight. Requests carry the signed-in session that
bench/prepare.py wrote (`BENCH_FIXTURE`) and `X-Forwarded-Proto: https`, as the production proxy does; any answer
but 200 counts as an error (no redirect is followed).
"""

import itertools
import json
import os
import random
import sys
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path

from locust import FastHttpUser, constant, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import pages  # noqa: E402

FIXTURE = json.loads(Path(os.environ.get("BENCH_FIXTURE", "var/bench/fixture.json")).read_text())
SESSIONS = {account: itertools.cycle(keys) for account, keys in FIXTURE["sessions"].items()}


class _BenchUser(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    account = "admin"

    def on_start(self):
        self.rng = random.Random()
        # Only the session given here is sent: the client keeps no cookie of its own.
        self.client.cookiejar.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        self.headers = {"X-Forwarded-Proto": "https"}
        if self.account != "anonymous":
            self.headers["Cookie"] = f"sessionid={next(SESSIONS[self.account])}"

    def visit(self, page: pages.Page) -> None:
        url = page.url(self.rng, FIXTURE)
        with self.client.get(
            url, name=page.name, headers=self.headers, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code} on {url}")


def _single(page: pages.Page) -> type[_BenchUser]:
    """A user class that requests only `page`."""
    return type(
        "".join(part.title() for part in page.name.split("_")) + "User",
        (_BenchUser,),
        {"account": page.account, "visit_page": task(lambda self: self.visit(page)), "__module__": __name__},
    )


FloorUser = _single(pages.FLOOR)
FloorPageUser = _single(pages.FLOOR_PAGE)
ListDefaultUser = _single(pages.LIST_DEFAULT)
ListLocalUser = _single(pages.LIST_LOCAL)
ListFilteredUser = _single(pages.LIST_FILTERED)
ListClosedUser = _single(pages.LIST_CLOSED)
ListSearchUser = _single(pages.LIST_SEARCH)
SitePageUser = _single(pages.SITE_PAGE)
HistoryUser = _single(pages.HISTORY)


class MixUser(_BenchUser):
    """A national admin browsing: lists, filters, site pages and histories in the proportions of `pages.MIX`."""

    @task
    def browse(self):
        page = self.rng.choices(list(pages.MIX), weights=list(pages.MIX.values()))[0]
        self.visit(page)
