"""Load runs of `make bench` with wrk (docs/decisions/0009-native-load-tool.md): writes the list of requests of each
run, runs wrk with bench/wrk.lua on it, and keeps its figures as JSON for bench/report.py.

- A page: its path over the fixed sample of seeded sites (pages with a site id), each request with one of the
  account's signed-in sessions in turn.
- The mix (`mix`): requests drawn with the weights of `pages.MIX`, shuffled; wrk rotates over them, so the request
  shares are the weights, whatever each page costs.

Each run is `wrk -t1 -c<users> -d<duration> --timeout 30s`, closed loop (no think time: `users` requests always in
flight). The load tool's command prefix (`BENCH_LOAD_PREFIX`, e.g. `taskset -c 0 nice -n 10`) pins it apart from the
server (scripts/bench.sh chooses it).

After each run the server is left to finish what wrk sent before it stopped (`settle`): 10 users on a page of 4 s
(the PDF sheet) leave about 20 s of queued work, which the next run would otherwise measure as its own.

Usage: python bench/load.py RUN_DIR NAME[:USERS[:DURATION]]… (NAME is a page of bench/pages.py, `mix`, or a page
with a suffix after `@` for a second measurement, e.g. `floor_page@end`). Needs BENCH_FIXTURE and BENCH_PORT.
"""

import json
import os
import random
import resource
import shlex
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import pages  # noqa: E402

MIX_REQUESTS = 3000
# `settle`: the server is idle when every worker answers /healthz (4 ms alone) within this time…
IDLE_MS = 50
# … this many times in a row, waiting this long at most.
IDLE_ROUNDS = 3
SETTLE_TIMEOUT_S = 180
SCRIPT = Path(__file__).resolve().parent / "wrk.lua"


def request_lines(fixture: dict, name: str) -> list[str]:
    """The requests of a run, as wrk.lua reads them: "PATH<TAB>SESSION"."""
    rng = random.Random(f"bench-{name}")
    sessions = {account: list(keys) for account, keys in fixture["sessions"].items()}
    sessions["anonymous"] = [""]

    def line(page: pages.Page, index: int) -> str:
        keys = sessions[page.account]
        return f"{page.url(rng, fixture)}\t{keys[index % len(keys)]}"

    if name == "mix":
        chosen = rng.choices(list(pages.MIX), weights=list(pages.MIX.values()), k=MIX_REQUESTS)
        return [line(page, index) for index, page in enumerate(chosen)]
    page = pages.BY_NAME[name]
    count = len(fixture[page.sample]) if page.sample else len(sessions[page.account])
    return [line(page, index) for index in range(count)]


def run(run_dir: Path, label: str, users: int, duration: str, fixture: dict, port: str) -> dict:
    name = label.split("@", 1)[0]
    requests_file = run_dir / f"requests-{name}.txt"
    if not requests_file.exists():
        requests_file.write_text("\n".join(request_lines(fixture, name)) + "\n")
    command = [
        *shlex.split(os.environ.get("BENCH_LOAD_PREFIX", "")),
        "wrk",
        "-t1",
        f"-c{users}",
        f"-d{duration}",
        "--timeout",
        "30s",
        "-s",
        str(SCRIPT),
        f"http://127.0.0.1:{port}",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    completed = subprocess.run(
        command, env={**os.environ, "BENCH_REQUESTS": str(requests_file)}, capture_output=True, text=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    (run_dir / f"{label}.wrk.txt").write_text(completed.stdout + completed.stderr)
    raw = next((line for line in completed.stdout.splitlines() if line.startswith("BENCH_JSON ")), None)
    if raw is None:
        raise SystemExit(f"wrk gave no figures for {label}: see {run_dir / f'{label}.wrk.txt'}")
    figures = json.loads(raw.removeprefix("BENCH_JSON "))
    seconds = figures["duration_us"] / 1e6
    result = {
        "users": users,
        "duration": duration,
        "requests": figures["requests"],
        "errors": figures["not_ok"] + figures["connect"] + figures["read"] + figures["write"] + figures["timeout"],
        "rps": figures["requests"] / seconds if seconds else 0.0,
        **{key.removesuffix("_us") + "_ms": figures[key] / 1000 for key in figures if key.endswith("_us")},
    }
    del result["duration_ms"]
    # The load tool's own CPU time, as a share of one CPU over the run: what it took from the server.
    spent = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result["load_tool_cpu_percent"] = 100 * spent / seconds if seconds else 0.0
    (run_dir / f"{label}.json").write_text(json.dumps(result, indent=1))
    return result


def settle(port: str, workers: int) -> float:
    """Wait until the server has answered every request sent before: `workers` concurrent /healthz requests, each
    answered within `IDLE_MS`, `IDLE_ROUNDS` times in a row (a request queued behind a slow one waits for it).
    Returns the seconds waited."""
    url = f"http://127.0.0.1:{port}/healthz"

    def answer_ms(_) -> float:
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=SETTLE_TIMEOUT_S) as response:
            response.read()
        return (time.perf_counter() - started) * 1000

    started, quiet = time.monotonic(), 0
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while quiet < IDLE_ROUNDS and time.monotonic() - started < SETTLE_TIMEOUT_S:
            quiet = quiet + 1 if max(pool.map(answer_ms, range(workers))) < IDLE_MS else 0
            time.sleep(0.05)
    return time.monotonic() - started


def main() -> None:
    run_dir = Path(sys.argv[1])
    run_dir.mkdir(parents=True, exist_ok=True)
    fixture = json.loads(Path(os.environ["BENCH_FIXTURE"]).read_text())
    port = os.environ["BENCH_PORT"]
    workers = int(os.environ.get("BENCH_WORKERS", "2"))
    for spec in sys.argv[2:]:
        parts = spec.split(":")
        label, users, duration = parts + ["", "10", "15s"][len(parts) :]
        result = run(run_dir, label, int(users), duration, fixture, port)
        print(
            f"  {label:<22} c={users:<3} {result['requests']:>6} requests, {result['errors']} errors, "
            f"p50 {result['p50_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms, {result['rps']:.1f} req/s",
            flush=True,
        )
        if (waited := settle(port, workers)) > 1:
            print(f"  (the server finished the requests of {label} {waited:.0f} s after it)", flush=True)


if __name__ == "__main__":
    main()
