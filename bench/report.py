"""Turns a bench run (wrk figures `<run>.json` from load.py, fixture.json, sql.json, plans.json from prepare.py) into
Markdown tables and writes them into docs/benchmarks.md between the two `bench:results` markers (scripts/bench.sh
runs it last).

Every latency is also given as a ratio to the signed-in floor (`/mentions-legales/`) measured in the same run — its
p95 under load is the mean of the measurement before the pages and the one after the mix — so that a machine busy
with other work moves the page and its floor together.

Usage: python bench/report.py RUN_DIR DOC_PATH
"""

import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import pages  # noqa: E402

START = "<!-- bench:results:start -->"
END = "<!-- bench:results:end -->"


def _load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


class Run:
    """The figures of one data set (the full run directory, or its `small/` one)."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.fixture = _load(directory / "fixture.json") or {}
        self.sql = _load(directory / "sql.json") or {}
        self.plans = _load(directory / "plans.json") or {}

    def load(self, label: str) -> dict | None:
        return _load(self.directory / f"{label}.json")

    def alone(self, name: str) -> dict | None:
        return self.load(f"{name}@alone")

    def floor_p95(self) -> float | None:
        """The signed-in floor's p95 under load: the mean of its measurements in this run."""
        values = [each["p95_ms"] for each in (self.load("floor_page"), self.load("floor_page@end")) if each]
        return sum(values) / len(values) if values else None

    def floor_alone_p50(self) -> float | None:
        floor = self.alone(pages.FLOOR_PAGE.name)
        return floor["p50_ms"] if floor else None


def _ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}" if value < 10 else f"{value:,.0f}"


def _ratio(value: float | None, floor: float | None) -> str:
    return f"{value / floor:.1f} ×" if value is not None and floor else "—"


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def machine() -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True).stdout.strip()
        commit += " (with uncommitted changes)" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    after = os.environ.get("BENCH_LOAD_AFTER") or Path("/proc/loadavg").read_text().split()[0]
    return [
        f"- Date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; code: {commit}",
        f"- CPU: {os.cpu_count()} × {cpu}; RAM: {memory_kb / 1024 / 1024:.0f} GiB",
        f"- PostgreSQL: {os.environ.get('BENCH_PG_VERSION', 'unknown')}; Python {platform.python_version()}",
        f"- Load average before / after the run: {os.environ.get('BENCH_LOAD_BEFORE', '?')} / {after} "
        f"(on {os.cpu_count()} CPUs shared with other work)",
    ]


def page_checks(page: pages.Page, run: Run, stats: dict | None) -> tuple[list[str], list[bool]]:
    """The targets of a page, as text, and whether each is met."""
    targets, checks = [], []
    profile = run.sql.get(page.name, {})
    if "error" in profile:
        return [f"answers 200 ({profile['error']})"], [False]
    if page.target_cpu_ms is not None and profile:
        targets.append(f"CPU ≤ {page.target_cpu_ms:g}")
        checks.append(profile["app_cpu_ms"] <= page.target_cpu_ms)
    if page.target_sql_ms is not None and profile:
        targets.append(f"SQL ≤ {page.target_sql_ms:g}")
        checks.append(profile["sql_ms"] <= page.target_sql_ms)
    if page.target_queries is not None and profile:
        targets.append(f"≤ {page.target_queries} queries")
        checks.append(profile["queries"] <= page.target_queries)
    if page.target_kb is not None and profile:
        targets.append(f"≤ {page.target_kb} KB ({profile['kb']:g} KB)")
        checks.append(profile["kb"] <= page.target_kb)
    if page.target_server_ms is not None and profile:
        targets.append(f"in-process ≤ {page.target_server_ms:g} ms ({profile['in_process_ms']:g} ms)")
        checks.append(profile["in_process_ms"] <= page.target_server_ms)
    if stats is not None:
        if page.target_p95_ms is not None:
            targets.append(f"p95 ≤ {page.target_p95_ms}")
            checks.append(stats["p95_ms"] <= page.target_p95_ms)
        floor = run.floor_p95()
        if (page in pages.MIX or page.floor_bound) and floor:
            targets.append(f"p95 ≤ {pages.FLOOR_FACTOR} × floor")
            checks.append(stats["p95_ms"] <= pages.FLOOR_FACTOR * floor)
        if not page.is_floor or stats["errors"]:
            targets.append("0 errors")
            checks.append(stats["errors"] == 0)
    return targets, checks


def page_table(run: Run) -> list[str]:
    floor, floor_alone = run.floor_p95(), run.floor_alone_p50()
    lines = [
        "| Page | Alone: app CPU ms | Alone: SQL ms (queries) | Alone: p50 ms | Alone ÷ floor | p50 ms | p95 ms "
        "| p99 ms | req/s | Errors | p95 ÷ floor | Targets | Met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for page in pages.PAGES:
        stats, alone, profile = run.load(page.name), run.alone(page.name), run.sql.get(page.name, {})
        cpu = _ms(profile.get("app_cpu_ms")) if profile else "—"
        if profile.get("python_calls"):
            cpu += f" ({profile['python_calls'] / 1000:.1f}k calls)"
        sql = f"{profile['sql_ms']:.1f} ({profile['queries']})" if "sql_ms" in profile else "—"
        targets, checks = page_checks(page, run, stats)
        met = _yes(all(checks)) if checks else "—"
        cells = [
            page.label,
            cpu,
            sql,
            _ms(alone["p50_ms"]) if alone else "—",
            _ratio(alone["p50_ms"], floor_alone) if alone and page.name != pages.FLOOR_PAGE.name else "—",
        ]
        if stats:
            cells += [
                _ms(stats["p50_ms"]),
                _ms(stats["p95_ms"]),
                _ms(stats["p99_ms"]),
                f"{stats['rps']:.1f}",
                f"{stats['errors']:,} / {stats['requests']:,}",
                _ratio(stats["p95_ms"], floor) if page.name != pages.FLOOR_PAGE.name else "1 (floor)",
            ]
        else:
            cells += ["—"] * 6
        cells += [", ".join(targets) or "—", met]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def mix_table(run: Run) -> list[str]:
    mix, floor_page = run.load("mix"), run.load("floor_page")
    if not mix:
        return []
    weights = ", ".join(f"{page.name} {weight}" for page, weight in pages.MIX.items())
    ok = mix["rps"] >= pages.MIX_TARGET_RPS and mix["errors"] == 0
    return [
        "",
        f"Authenticated mix (weights: {weights}; requests drawn with these weights, shuffled, and replayed in turn):",
        "",
        "| Requests | Errors | p50 ms | p95 ms | p99 ms | req/s | req/s ÷ floor's | p95 ÷ floor | Target | Met |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
        f"| {mix['requests']:,} | {mix['errors']} | {_ms(mix['p50_ms'])} | {_ms(mix['p95_ms'])} | "
        f"{_ms(mix['p99_ms'])} | {mix['rps']:.1f} | "
        f"{_ratio(mix['rps'], floor_page['rps'] if floor_page else None)} | {_ratio(mix['p95_ms'], run.floor_p95())} "
        f"| ≥ {pages.MIX_TARGET_RPS} req/s | {_yes(ok)} |",
    ]


def verdict(run: Run) -> list[str]:
    """The issue's « done when » lines, from the tables."""
    sql, floor = run.sql, run.floor_p95()

    def profile(page: pages.Page) -> str:
        figures = sql.get(page.name, {})
        if "app_cpu_ms" not in figures:
            return "not measured"
        calls = f", {figures['python_calls']:,} Python calls" if figures.get("python_calls") else ""
        cost = f"{figures['app_cpu_ms']:.1f} ms CPU, {figures['sql_ms']:.1f} ms SQL, {figures['queries']} queries"
        return cost + calls

    def met(page: pages.Page, names: tuple[str, ...]) -> bool:
        figures = sql.get(page.name, {})
        limits = {"app_cpu_ms": page.target_cpu_ms, "sql_ms": page.target_sql_ms, "queries": page.target_queries}
        return all(key in figures for key in names) and all(
            figures[key] <= limits[key] for key in names if limits[key] is not None
        )

    lists = [page for page in pages.PAGES if page.name.startswith("list_")]
    list_p95 = [run.load(page.name)["p95_ms"] for page in lists if run.load(page.name)]
    site = run.load(pages.SITE_PAGE.name)
    mix = run.load("mix")
    worst = max(
        ((page, run.load(page.name)) for page in pages.MIX if run.load(page.name)),
        key=lambda each: each[1]["p95_ms"],
        default=(None, None),
    )
    errors = sum(run.load(page.name)["errors"] for page in pages.PAGES if run.load(page.name)) + (
        mix["errors"] if mix else 0
    )
    rows = [
        (
            "Signed-in frame alone: ≤ 3 ms app CPU, ≤ 2 queries",
            profile(pages.FLOOR_PAGE),
            met(pages.FLOOR_PAGE, ("app_cpu_ms", "queries")),
        ),
        (
            "Site page alone: ≤ 8 ms app CPU + ≤ 3 ms SQL",
            profile(pages.SITE_PAGE),
            met(pages.SITE_PAGE, ("app_cpu_ms", "sql_ms")),
        ),
        (
            "First list page alone: ≤ 10 ms app CPU + ≤ 4 ms SQL",
            profile(pages.LIST_DEFAULT),
            met(pages.LIST_DEFAULT, ("app_cpu_ms", "sql_ms")),
        ),
        (
            "Lists, 10 users: p95 ≤ 150 ms",
            f"p95 {min(list_p95):,.0f}–{max(list_p95):,.0f} ms" if list_p95 else "not measured",
            bool(list_p95) and max(list_p95) <= 150,
        ),
        (
            "Site page, 10 users: p95 ≤ 100 ms",
            f"p95 {site['p95_ms']:,.0f} ms" if site else "not measured",
            bool(site) and site["p95_ms"] <= 100,
        ),
        (
            f"Authenticated mix: ≥ {pages.MIX_TARGET_RPS} req/s",
            f"{mix['rps']:.1f} req/s" if mix else "not measured",
            bool(mix) and mix["rps"] >= pages.MIX_TARGET_RPS,
        ),
        (
            f"No page of the mix above {pages.FLOOR_FACTOR} × the floor's p95",
            f"worst: {worst[0].name} at {worst[1]['p95_ms'] / floor:.1f} × ({worst[1]['p95_ms']:,.0f} ms; floor "
            f"{floor:,.0f} ms)"
            if worst[0] and floor
            else "not measured",
            bool(worst[0] and floor) and worst[1]["p95_ms"] <= pages.FLOOR_FACTOR * floor,
        ),
        ("Zero errors", f"{errors} errors", errors == 0),
    ]
    # Issue 10: the action list and page meet the site list's and the site page's targets under load.
    for page in (pages.ACTION_LIST, pages.ACTION_PAGE):
        figures = run.load(page.name)
        rows.append(
            (
                f"{page.label}, 10 users: p95 ≤ {page.target_p95_ms} ms and ≤ {pages.FLOOR_FACTOR} × the floor's",
                f"p95 {figures['p95_ms']:,.0f} ms ({figures['p95_ms'] / floor:.1f} ×)"
                if figures and floor
                else "not measured",
                bool(figures and floor)
                and figures["p95_ms"] <= page.target_p95_ms
                and figures["p95_ms"] <= pages.FLOOR_FACTOR * floor,
            )
        )
    # Issue 11: the map's data is small and quick alone; the new pages stay within the floor factor under load.
    map_data = sql.get(pages.MAP_DATA.name, {})
    rows.append(
        (
            f"Map data alone (national open sites): ≤ {pages.MAP_DATA.target_kb} KB and ≤ "
            f"{pages.MAP_DATA.target_server_ms:g} ms in-process",
            f"{map_data['kb']:g} KB, {map_data['in_process_ms']:g} ms ({map_data['queries']} queries)"
            if "kb" in map_data
            else "not measured",
            "kb" in map_data
            and map_data["kb"] <= pages.MAP_DATA.target_kb
            and map_data["in_process_ms"] <= pages.MAP_DATA.target_server_ms,
        )
    )
    for page in (pages.MAP, pages.MAP_DATA, pages.DASHBOARD, pages.DIRECTORY, pages.ACTIVITY, pages.ACTIVITY_LOCAL):
        figures = run.load(page.name)
        rows.append(
            (
                f"{page.label}, 10 users: p95 ≤ {pages.FLOOR_FACTOR} × the floor's",
                f"p95 {figures['p95_ms']:,.0f} ms ({figures['p95_ms'] / floor:.1f} ×)"
                if figures and floor
                else "not measured",
                bool(figures and floor) and figures["p95_ms"] <= pages.FLOOR_FACTOR * floor,
            )
        )
    # Issue 12: a national figure within 2 s, the statistics pages and the PDF sheet alone, the 5,000-site export.
    for page in (pages.STATS_NATIONAL, pages.STATS_DEPARTEMENT, pages.SHEET_PDF):
        figures = sql.get(page.name, {})
        load = run.load(page.name)
        rows.append(
            (
                f"{page.label} alone: in-process ≤ {page.target_server_ms:g} ms",
                f"{figures['in_process_ms']:g} ms ({figures['queries']} queries, {figures['kb']:g} KB); 10 users: "
                f"p95 {load['p95_ms']:,.0f} ms"
                if "in_process_ms" in figures and load
                else "not measured",
                "in_process_ms" in figures and figures["in_process_ms"] <= page.target_server_ms,
            )
        )
    for name, label in (("export", "today"), ("export-as-of", "as of a year ago")):
        export = run.load(name)
        rows.append(
            (
                f"Export of every open site with every section ({label}): ≤ {pages.EXPORT_TARGET_SECONDS} s and "
                f"≤ {pages.EXPORT_TARGET_MB} MB peak",
                f"{export['sites']:,} sites in {export['seconds']:g} s, peak {export['peak_rss_mb']:g} MB, "
                f"{export['file_kb']:,} KB"
                if export
                else "not measured",
                bool(export)
                and export["status"] == "done"
                and export["seconds"] <= pages.EXPORT_TARGET_SECONDS
                and export["peak_rss_mb"] <= pages.EXPORT_TARGET_MB,
            )
        )
    return [
        "| Target (issues 8, 10, 11 and 12) | Measured | Met |",
        "|---|---|---|",
        *(f"| {target} | {measured} | {_yes(ok)} |" for target, measured, ok in rows),
    ]


def scaling_table(full: Run, small: Run) -> list[str]:
    def size(run: Run) -> str:
        counts = run.fixture.get("counts", {})
        return f"{counts.get('open', 0) + counts.get('closed', 0):,} sites, {counts.get('messages', 0):,} messages"

    lines = [
        "",
        f"Flat as data grows? The same pages on the small data set ({size(small)}) and the full one "
        f"({size(full)}): alone (app CPU / SQL ms / queries, in-process) and under load (p95, and p95 ÷ the "
        "floor of the same data set's run):",
        "",
        "| Page | Alone, small | Alone, full | p95 ms, small | p95 ms, full | p95 ÷ floor, small "
        "| p95 ÷ floor, full |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for page in pages.SCALING:
        cells = [page.label]
        for run in (small, full):
            figures = run.sql.get(page.name, {})
            cells.append(
                f"{figures['app_cpu_ms']:.1f} / {figures['sql_ms']:.1f} / {figures['queries']}"
                if "app_cpu_ms" in figures
                else "—"
            )
        loaded = [run.load(page.name) for run in (small, full)]
        cells += [_ms(each["p95_ms"]) if each else "—" for each in loaded]
        cells += [
            _ratio(each["p95_ms"], run.floor_p95()) if each else "—"
            for each, run in zip(loaded, (small, full), strict=True)
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def plans_section(run: Run) -> list[str]:
    if not run.plans:
        return []
    lines = [
        "",
        "Plans: every query of one request of these pages, `EXPLAIN (ANALYZE, BUFFERS)` on the full data set; each "
        "sequential scan of a table of over 10,000 rows (`plans-<page>.txt` in the run folder has every plan):",
        "",
        "| Page | Queries | Seq scans of large tables: table (its rows) — rows read, ms — query |",
        "|---|---:|---|",
    ]
    for name, found in run.plans.items():
        scans = found["seq_scans"]
        if scans:
            cell = "<br>".join(
                f"`{scan['table']}` ({scan['table_rows']:,}) — {scan['rows_read']:,} rows, {scan['ms']:.1f} ms — "
                f"query {scan['query']}: `{scan['sql'][:110]}…`"
                for scan in scans
            )
        else:
            cell = "none"
        lines.append(f"| {pages.BY_NAME[name].label} | {found['queries']} | {cell} |")
    return lines


def pinning_section(run: Run, settings: dict) -> list[str]:
    lines = []
    tool = [
        figures.get("load_tool_cpu_percent", 0.0)
        for path in run.directory.glob("*.json")
        if (figures := _load(path)) and "load_tool_cpu_percent" in figures
    ]
    if tool:
        lines += [
            "",
            f"The load tool (wrk, one thread) used at most {max(tool):.0f} % of one CPU in any run of this data set "
            f"(pinning: `{settings.get('pin', '?')}`; server `{settings.get('server_prefix') or 'all CPUs'}`, "
            f"wrk `{settings.get('load_prefix') or 'unpinned'}`).",
        ]
    for other in sorted(run.directory.glob("pin-*")):
        alt = Run(other)
        lines += [
            "",
            f"Pinning compared in the same run: `{settings.get('pin')}` (above) and `{other.name[4:]}` (server and "
            "load tool as described in « Load tool and pinning »):",
            "",
            "| Run | Pinning | p50 ms | p95 ms | req/s | p95 ÷ floor |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for name in ("floor_page", "site_page", "mix"):
            for label, source in ((settings.get("pin"), run), (other.name[4:], alt)):
                figures = source.load(name)
                if figures:
                    lines.append(
                        f"| {name} | {label} | {_ms(figures['p50_ms'])} | {_ms(figures['p95_ms'])} | "
                        f"{figures['rps']:.1f} | {_ratio(figures['p95_ms'], source.floor_p95())} |"
                    )
    return lines


def results(directory: Path) -> str:
    full = Run(directory)
    settings = json.loads((directory / "settings.json").read_text())
    counts = full.fixture["counts"]
    lines = [
        f"Data: {counts['open']:,} open + {counts['closed']:,} closed sites, {counts['versions']:,} site versions, "
        f"{counts['users']:,} accounts, {counts.get('messages', 0):,} journal messages, "
        f"{counts.get('notifications', 0):,} notifications, {counts.get('actions', 0):,} actions. "
        f"Load: wrk, {settings['users']} concurrent connections "
        f"without think time, {settings['duration']} per page (one request at a time: {settings['alone_duration']}) "
        f"after a warm-up; gunicorn {settings['workers']} sync workers, `config.settings.prod`, "
        f"`DATABASE_CONN_MAX_AGE={settings['conn_max_age']}`, `CACHE_URL` {settings.get('cache_url')}, "
        f"`SESSION_STORE` {settings.get('session_store')}; pinning `{settings.get('pin')}`.",
        "",
        *machine(),
        "",
        *verdict(full),
        "",
        *page_table(full),
        *mix_table(full),
    ]
    small = directory / "small"
    if (small / "fixture.json").exists():
        lines += scaling_table(full, Run(small))
    lines += plans_section(full)
    lines += pinning_section(full, settings)
    return "\n".join(lines) + "\n"


def write(doc: Path, text: str) -> None:
    block = f"{START}\n{text}{END}"
    if doc.exists() and START in doc.read_text():
        before, rest = doc.read_text().split(START, 1)
        after = rest.split(END, 1)[1] if END in rest else ""
        doc.write_text(before + block + after)
    else:
        doc.write_text(f"# Benchmarks\n\n{block}\n")


def main() -> None:
    run, doc = Path(sys.argv[1]), Path(sys.argv[2])
    text = results(run)
    write(doc, text)
    print(text)


if __name__ == "__main__":
    main()
