"""Run every benchmark and write a short report to benchmarks/results/report.md.

    python benchmarks/run_all.py                     # full sizes (over an hour on 2 cores)
    python benchmarks/run_all.py --smoke             # tiny sizes: proves each one runs
    python benchmarks/run_all.py --only notify,senders --output /tmp/report.md

Each benchmark is its own script, run as its own process (`python benchmarks/<name>.py
[--smoke]`); each prints its figures beside the lower bound it measured in the same run.
The report puts that output under one heading per benchmark, after a table of what ran,
how long it took and whether it met its targets, and a note of the machine (cores, load
average, Python and PostgreSQL versions): figures from a busy machine are not comparable
with figures from an idle one. Exit status 0 when every benchmark exited 0 and printed no
MISSED target (with --smoke: when every benchmark ran).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "results" / "report.md"
PG_URL = os.environ.get("TRUSTSITE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")


@dataclass(frozen=True)
class Benchmark:
    name: str
    measures: str


BENCHMARKS = (
    Benchmark(
        "build",
        "`trustsite build` of the large data set and of twice that, against a plain "
        "`mkdocs build` of the same pages",
    ),
    Benchmark(
        "service",
        "`POST /api/subscriptions` under gunicorn (requests/s, p50, p99) on SQLite and "
        "PostgreSQL, against a bare endpoint of the same app",
    ),
    Benchmark(
        "notify",
        "notify + one sender to the last message accepted (SQLite), against smtplib over one "
        "connection; `notify` alone for 100,000 subscribers on SQLite and PostgreSQL",
    ),
    Benchmark(
        "senders",
        "notification throughput with one and two sender processes on PostgreSQL, against "
        "smtplib over one and two connections",
    ),
    Benchmark(
        "webhooks",
        "notify + one sender to the last of 1,000 webhook deliveries accepted by a local HTTP "
        "receiver (SQLite), against a bare http.client posting the same requests",
    ),
    Benchmark(
        "redline",
        "word-level redlines, against splitting and escaping the words",
    ),
)


@dataclass(frozen=True)
class Outcome:
    benchmark: Benchmark
    returncode: int
    seconds: float
    stdout: str
    stderr: str


def run(benchmark: Benchmark, smoke: bool, workdir: Path) -> Outcome:
    """Run one script, echoing its figures as they come, and keep what it printed."""
    argv = [sys.executable, str(HERE / f"{benchmark.name}.py"), *(["--smoke"] if smoke else [])]
    print(f"== {benchmark.name}: {' '.join(argv[1:])}", flush=True)
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as errors:
        proc = subprocess.Popen(argv, cwd=workdir, stdout=subprocess.PIPE, stderr=errors, text=True)
        lines = []
        assert proc.stdout is not None
        for line in proc.stdout:
            print(f"   {line}", end="", flush=True)
            lines.append(line)
        returncode = proc.wait()
        errors.seek(0)
        stderr = errors.read()
    seconds = time.perf_counter() - start
    return Outcome(benchmark, returncode, seconds, "".join(lines), stderr)


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.node()}: {os.cpu_count()} cores, load average {load} at the start; "
        f"Python {platform.python_version()}; PostgreSQL {postgres_version()}"
    )


def postgres_version() -> str:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "unknown"
    except Exception as err:  # the report says why instead of failing
        return f"not reachable ({str(err).splitlines()[0]})"


def status(outcome: Outcome, smoke: bool = False) -> str:
    """What the script said: its exit status and whether it printed a MISSED target."""
    if outcome.returncode != 0:
        return f"exit {outcome.returncode}: failed or a target missed"
    if smoke:
        return "ran (smoke)"
    return "ran; a target MISSED" if "MISSED" in outcome.stdout else "ran"


def report(
    outcomes: list[Outcome], smoke: bool, started: dt.datetime, host: str, command: str
) -> str:
    lines = [
        "# trustsite benchmarks",
        "",
        f"`{command}`, {started:%Y-%m-%d %H:%M} UTC. {host}.",
        "",
    ]
    if smoke:
        lines += [
            "**Smoke run**: tiny sizes and one run each, to prove every benchmark works; "
            "its figures mean nothing.",
            "",
        ]
    lines += ["| benchmark | measures | status | time |", "|---|---|---|---|"]
    for o in outcomes:
        lines.append(
            f"| [{o.benchmark.name}](#{o.benchmark.name}) | {o.benchmark.measures} "
            f"| {status(o, smoke)} | {o.seconds:.0f} s |"
        )
    for o in outcomes:
        lines += ["", f"## {o.benchmark.name}", "", f"`benchmarks/{o.benchmark.name}.py`: "]
        lines[-1] += f"{o.benchmark.measures}. Every figure beside its lower bound:"
        lines += ["", "```text", o.stdout.rstrip() or "(no output)", "```"]
        if o.returncode != 0:
            tail = "\n".join(o.stderr.rstrip().splitlines()[-25:])
            lines += ["", "Last lines of its error output:", "", "```text", tail, "```"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one run each")
    parser.add_argument(
        "--only", help="comma-separated names: " + ", ".join(b.name for b in BENCHMARKS)
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the report file")
    args = parser.parse_args(argv)
    chosen = list(BENCHMARKS)
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = sorted(set(names) - {b.name for b in BENCHMARKS})
        if unknown:
            parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
        chosen = [b for b in BENCHMARKS if b.name in names]

    started = dt.datetime.now(dt.UTC)
    host = machine()
    with tempfile.TemporaryDirectory(prefix="trustsite-benchmarks-") as tmp:
        outcomes = [run(b, args.smoke, Path(tmp)) for b in chosen]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    command = " ".join(["python benchmarks/run_all.py", *(sys.argv[1:] if argv is None else argv)])
    text = report(outcomes, args.smoke, started, host, command)
    args.output.write_text(text, encoding="utf-8")
    print(f"report written to {args.output}")
    if args.smoke:
        return 0 if all(o.returncode == 0 for o in outcomes) else 1
    return 0 if all(status(o) == "ran" for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
