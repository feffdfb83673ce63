"""The pages the bench measures, shared by the load tool (locustfile.py) and the SQL profile (prepare.py).

Each page is measured alone with 10 concurrent users; the authenticated mix (`MIX`) gives the requests per second.
Targets are the issue's (issue 4, item 11); pages without a target are held to « at most 3 × the floor's p95 plus
their own SQL time ».
"""

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    name: str
    label: str
    account: str  # "admin" (national admin), "local" (operator of one département) or "anonymous"
    path: str  # "{site}" is replaced by a seeded site id
    target_p95_ms: int | None = None

    def url(self, rng: random.Random, fixture: dict) -> str:
        if "{site}" in self.path:
            return self.path.format(site=rng.choice(fixture["sites"]))
        return self.path


FLOOR = Page("floor", "Floor: `/healthz` (anonymous, 1 SQL query, no template)", "anonymous", "/healthz")
FLOOR_PAGE = Page(
    "floor_page",
    "Floor: signed-in static page `/mentions-legales/` (session, user, DSFR layout)",
    "admin",
    "/mentions-legales/",
)
LIST_DEFAULT = Page("list_default", "Site list, default (national admin: all open sites)", "admin", "/sites/", 150)
LIST_LOCAL = Page("list_local", "Site list, default (local operator: one département)", "local", "/sites/", 150)
LIST_FILTERED = Page(
    "list_filtered",
    "Site list, 3 filters (`population=10-50&type=land&conditions=water`)",
    "admin",
    "/sites/?population=10-50&type=land&conditions=water",
    150,
)
LIST_CLOSED = Page("list_closed", "Site list, closed tab (`statut=fermes`)", "admin", "/sites/?statut=fermes", 150)
LIST_SEARCH = Page("list_search", "Site list, text search (`q=chemin`)", "admin", "/sites/?q=chemin", 150)
SITE_PAGE = Page("site_page", "Site page `/sites/<id>/`", "admin", "/sites/{site}/", 100)
HISTORY = Page("history", "History page `/sites/<id>/historique/`", "admin", "/sites/{site}/historique/")

PAGES = [FLOOR, FLOOR_PAGE, LIST_DEFAULT, LIST_LOCAL, LIST_FILTERED, LIST_CLOSED, LIST_SEARCH, SITE_PAGE, HISTORY]
# The authenticated mix: what a national admin's browsing looks like, site pages first.
MIX = {LIST_DEFAULT: 3, LIST_FILTERED: 2, LIST_CLOSED: 1, LIST_SEARCH: 1, SITE_PAGE: 5, HISTORY: 2}
# Pages measured again on the smaller data set: the list must stay flat as sites grow.
SCALING = [LIST_DEFAULT, LIST_FILTERED, LIST_CLOSED]
