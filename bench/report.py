"""Turns a bench run (locust CSV files, fixture.json, sql.json) into Markdown tables and writes them into
docs/benchmarks.md between the two `bench:results` markers (scripts/bench.sh runs it last).

Usage: python bench/report.py RUN_DIR DOC_PATH
"""

import csv
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
MIX_TARGET_RPS = 150
FLOOR_FACTOR = 3


def read_stats(path: Path) -> dict[str, dict[str, float]]:
    """Locust's `<prefix>_stats.csv`: request name → figures (times in ms)."""
    rows = {}
    with path.open() as handle:
        for row in csv.DictReader(handle):
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50": float(row["50%"]),
                "p95": float(row["95%"]),
                "p99": float(row["99%"]),
                "rps": float(row["Requests/s"]),
            }
    return rows


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
    return [
        f"- Date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; code: {commit}",
        f"- CPU: {os.cpu_count()} × {cpu} (`nproc` = {os.cpu_count()}); RAM: {memory_kb / 1024 / 1024:.0f} GiB",
        f"- PostgreSQL: {os.environ.get('BENCH_PG_VERSION', 'unknown')}; Python {platform.python_version()}",
        f"- Load average before / after the run: {os.environ.get('BENCH_LOAD_BEFORE', '?')} / "
        f"{Path('/proc/loadavg').read_text().split()[0]} (the 2 CPUs are shared with other work, the load tool "
        "included)",
    ]


def _ms(value: float) -> str:
    return f"{value:.0f}"


def results(run: Path) -> str:
    fixture = json.loads((run / "fixture.json").read_text())
    sql = json.loads((run / "sql.json").read_text()) if (run / "sql.json").exists() else {}
    counts = fixture["counts"]
    settings = json.loads((run / "settings.json").read_text())
    measured = {page.name: read_stats(run / f"{page.name}_stats.csv").get(page.name) for page in pages.PAGES}
    floor_page = measured.get(pages.FLOOR_PAGE.name)

    lines = [
        f"Data: {counts['open']:,} open + {counts['closed']:,} closed sites, {counts['versions']:,} site versions, "
        f"{counts['users']:,} accounts. Load: {settings['users']} concurrent users, no think time, "
        f"{settings['duration']} per page after a warm-up; gunicorn {settings['workers']} sync workers, "
        f"`config.settings.prod`, `DATABASE_CONN_MAX_AGE={settings['conn_max_age']}`.",
        "",
        *machine(),
        "",
        "| Page | Requests | Errors | p50 ms | p95 ms | p99 ms | req/s | Alone: app CPU ms | Alone: SQL ms (queries) "
        "| Target p95 | Met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for page in pages.PAGES:
        stats = measured[page.name]
        if stats is None:
            lines.append(f"| {page.label} | — | — | — | — | — | — | — | — | — | not run |")
            continue
        page_sql = sql.get(page.name, {})
        sql_cell = f"{page_sql['sql_ms']:.1f} ({page_sql['queries']})" if page_sql else "—"
        cpu_cell = f"{page_sql['app_cpu_ms']:.1f}" if page_sql else "—"
        target, met = "—", "—"
        if page.name not in (pages.FLOOR.name, pages.FLOOR_PAGE.name):
            bounds = []
            checks = [stats["failures"] == 0]
            if page.target_p95_ms is not None:
                bounds.append(f"≤ {page.target_p95_ms}")
                checks.append(stats["p95"] <= page.target_p95_ms)
            if floor_page is not None and page_sql:
                bound = FLOOR_FACTOR * floor_page["p95"] + page_sql["sql_ms"]
                bounds.append(f"≤ {bound:.0f} (3 × floor + SQL)")
                checks.append(stats["p95"] <= bound)
            target = ", ".join(bounds)
            met = "yes" if all(checks) else "**no**"
        lines.append(
            f"| {page.label} | {stats['requests']:,} | {stats['failures']} | {_ms(stats['p50'])} | "
            f"{_ms(stats['p95'])} | {_ms(stats['p99'])} | {stats['rps']:.1f} | {cpu_cell} | {sql_cell} | {target} "
            f"| {met} |"
        )

    mix = read_stats(run / "mix_stats.csv") if (run / "mix_stats.csv").exists() else {}
    if "Aggregated" in mix:
        total = mix["Aggregated"]
        met = "yes" if total["rps"] >= MIX_TARGET_RPS and total["failures"] == 0 else "**no**"
        lines += [
            "",
            "Authenticated mix (national admin; weights "
            + ", ".join(f"{page.name} {weight}" for page, weight in pages.MIX.items())
            + "):",
            "",
            "| Requests | Errors | p50 ms | p95 ms | p99 ms | req/s | Target | Met |",
            "|---:|---:|---:|---:|---:|---:|---|---|",
            f"| {total['requests']:,} | {total['failures']} | {_ms(total['p50'])} | {_ms(total['p95'])} | "
            f"{_ms(total['p99'])} | {total['rps']:.1f} | ≥ {MIX_TARGET_RPS} req/s | {met} |",
        ]

    small_fixture = run / "small" / "fixture.json"
    if small_fixture.exists():
        small_counts = json.loads(small_fixture.read_text())["counts"]
        small_total = small_counts["open"] + small_counts["closed"]
        full_total = counts["open"] + counts["closed"]
        small_sql_path = run / "small" / "sql.json"
        small_sql = json.loads(small_sql_path.read_text()) if small_sql_path.exists() else {}
        lines += [
            "",
            f"Does the list stay flat as sites grow? The same list pages on {small_total:,} sites "
            f"({small_counts['open']:,} open) and on {full_total:,} ({counts['open']:,} open), under load (p95) and "
            "alone (app CPU and SQL of one request):",
            "",
            f"| Page | p95 ms, {small_total:,} | p95 ms, {full_total:,} | Alone {small_total:,}: CPU / SQL ms "
            f"| Alone {full_total:,}: CPU / SQL ms |",
            "|---|---:|---:|---:|---:|",
        ]
        for page in pages.SCALING:
            small = read_stats(run / "small" / f"{page.name}_stats.csv").get(page.name)
            full = measured[page.name]
            if small and full:
                alone = [
                    f"{figures[page.name]['app_cpu_ms']:.1f} / {figures[page.name]['sql_ms']:.1f}"
                    if page.name in figures
                    else "—"
                    for figures in (small_sql, sql)
                ]
                lines.append(f"| {page.label} | {_ms(small['p95'])} | {_ms(full['p95'])} | {alone[0]} | {alone[1]} |")
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
