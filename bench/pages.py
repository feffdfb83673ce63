"""The pages the bench measures, shared by the load runs (load.py, wrk.lua), the in-process profile (prepare.py) and
the report (report.py).

Each page is measured one request at a time and with 10 concurrent users; the authenticated mix (`MIX`) gives the
requests per second. Targets are the issue's (issue 8, « Fast pages at national scale »): the signed-in floor and
the first list page and site page have per-request budgets (app CPU, SQL time, queries); the lists and the site page
have p95 targets under load; and no page of the mix may answer above `FLOOR_FACTOR` × the signed-in floor's p95
measured in the same run.
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
    # One request alone (in-process profile): budgets of the issue.
    target_cpu_ms: float | None = None
    target_sql_ms: float | None = None
    target_queries: int | None = None
    # The bench checks the plan of every query of the page for sequential scans of large tables.
    check_plans: bool = False
    # Issue 11: pages outside the mix that must still answer within FLOOR_FACTOR × the floor's p95 under load, and
    # a response size and an in-process time alone for the map's data.
    floor_bound: bool = False
    target_kb: int | None = None
    target_server_ms: float | None = None

    def url(self, rng: random.Random, fixture: dict) -> str:
        if "{site}" in self.path:
            return self.path.format(site=rng.choice(fixture["sites"]))
        if "{action}" in self.path:
            return self.path.format(action=rng.choice(fixture["actions"]))
        if "{departement}" in self.path:
            return self.path.format(departement=fixture["busiest_departement"])
        return self.path

    @property
    def sample(self) -> str | None:
        """The fixture's sample of ids this page's path takes (`sites`, `actions`), if any."""
        return "sites" if "{site}" in self.path else "actions" if "{action}" in self.path else None

    @property
    def is_floor(self) -> bool:
        return self.name in (FLOOR.name, FLOOR_PAGE.name)


FLOOR = Page("floor", "Floor: `/healthz` (anonymous, 1 SQL query, no template)", "anonymous", "/healthz")
FLOOR_PAGE = Page(
    "floor_page",
    "Floor: signed-in static page `/mentions-legales/` (session, user, DSFR layout)",
    "admin",
    "/mentions-legales/",
    target_cpu_ms=3,
    target_queries=2,
)
LIST_DEFAULT = Page(
    "list_default",
    "Site list, default (national admin: all open sites)",
    "admin",
    "/sites/",
    150,
    target_cpu_ms=10,
    target_sql_ms=4,
    check_plans=True,
)
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
SITE_PAGE = Page(
    "site_page",
    "Site page `/sites/<id>/`",
    "admin",
    "/sites/{site}/",
    100,
    target_cpu_ms=8,
    target_sql_ms=3,
    check_plans=True,
)
HISTORY = Page("history", "History page `/sites/<id>/historique/`", "admin", "/sites/{site}/historique/")
JOURNAL = Page(
    "journal",
    "Site journal `/sites/<id>/journal/` (national admin: every message)",
    "admin",
    "/sites/{site}/journal/",
    check_plans=True,
)
NOTIFICATIONS = Page(
    "notifications",
    "Notification centre `/notifications/` (local operator, thousands of notifications)",
    "local",
    "/notifications/",
    check_plans=True,
)
DASHBOARD = Page("dashboard", "Dashboard `/tableau-de-bord/`", "admin", "/tableau-de-bord/", floor_bound=True)
# Issue 10: the action list and page must meet the site list's and site page's targets under load.
ACTION_LIST = Page("action_list", "Action list `/actions/` (national admin: every action)", "admin", "/actions/", 150)
ACTION_PAGE = Page("action_page", "Action page `/actions/<id>/` (national admin)", "admin", "/actions/{action}/", 100)

# Issue 11: the map, its data (national view of open sites), the dashboard above, the directory and the activity feed.
MAP = Page("map", "Map page `/carte/` (national admin)", "admin", "/carte/", floor_bound=True)
MAP_DATA = Page(
    "map_data",
    "Map data `/carte/sites.json` (national admin: every open site)",
    "admin",
    "/carte/sites.json",
    floor_bound=True,
    target_kb=300,
    target_server_ms=50,
    check_plans=True,
)
DIRECTORY = Page("directory", "Directory `/annuaire/` (national admin)", "admin", "/annuaire/", floor_bound=True)
ACTIVITY = Page(
    "activity",
    "Activity feed `/activites/` (national admin)",
    "admin",
    "/activites/",
    floor_bound=True,
    check_plans=True,
)
ACTIVITY_LOCAL = Page(
    "activity_local", "Activity feed `/activites/` (local operator)", "local", "/activites/", floor_bound=True
)

# Issue 12: the national statistics page (two dates, every département), the page of the département holding the most
# sites (its summary at a date and its weekly evolution over the default month), the PDF sheet of a site with every
# section. A national figure is computed within 2 s (issue 12 item 1); the sheet and the statistics are measured.
STATS_NATIONAL = Page(
    "stats_national",
    "Statistics `/statistiques/` (national admin)",
    "admin",
    "/statistiques/",
    target_server_ms=2000,
)
STATS_DEPARTEMENT = Page(
    "stats_departement",
    "Statistics of the busiest département `/statistiques/departements/<code>/`",
    "admin",
    "/statistiques/departements/{departement}/",
    target_server_ms=2000,
)
SHEET_PDF = Page(
    "sheet_pdf",
    "PDF site sheet, every section `/sites/<id>/fiche.pdf`",
    "admin",
    "/sites/{site}/fiche.pdf?sections=acteurs&sections=actions&sections=historique&sections=justice",
    target_server_ms=1000,
)
# The export of every open site (5,000) with every section, run as the task worker runs it (bench/export.py).
EXPORT_TARGET_SECONDS = 10
EXPORT_TARGET_MB = 300

PAGES = [
    FLOOR,
    FLOOR_PAGE,
    LIST_DEFAULT,
    LIST_LOCAL,
    LIST_FILTERED,
    LIST_CLOSED,
    LIST_SEARCH,
    SITE_PAGE,
    HISTORY,
    JOURNAL,
    NOTIFICATIONS,
    DASHBOARD,
    ACTION_LIST,
    ACTION_PAGE,
    MAP,
    MAP_DATA,
    DIRECTORY,
    ACTIVITY,
    ACTIVITY_LOCAL,
    STATS_NATIONAL,
    STATS_DEPARTEMENT,
    SHEET_PDF,
]
BY_NAME = {page.name: page for page in PAGES}
# The authenticated mix: what people's browsing looks like, site pages and lists first. Weights are shares of the
# requests (wrk.lua rotates over a shuffled list of requests drawn with these weights).
MIX = {
    LIST_DEFAULT: 3,
    LIST_FILTERED: 2,
    LIST_CLOSED: 1,
    LIST_SEARCH: 1,
    SITE_PAGE: 5,
    HISTORY: 2,
    JOURNAL: 3,
    NOTIFICATIONS: 1,
    DASHBOARD: 1,
}
MIX_TARGET_RPS = 150
# No page of the mix above this many times the signed-in floor's p95 (same run).
FLOOR_FACTOR = 4
# Pages measured again on the smaller data set (3,000 sites, no journal): the list must stay flat as sites grow,
# the site page and the journal as messages grow.
SCALING = [LIST_DEFAULT, LIST_FILTERED, LIST_CLOSED, SITE_PAGE, JOURNAL]
