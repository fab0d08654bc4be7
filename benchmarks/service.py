"""Benchmark: the subscribe endpoint under load, against a bare endpoint of the same app.

gunicorn serves the real app with the production settings (deploy/gunicorn.conf.py: one
gevent worker per core); a load generator (wrk when installed, else a Python
one: threads with keep-alive http.client connections) drives POST /api/subscriptions
with a distinct address per request, and in the same run GET /healthz, the bare
endpoint of the same app (no database, no limiter): the lower bound. Reported per
database (SQLite file, PostgreSQL when reachable): requests per second, p50 and p99
latency, and the throughput ratio to the bare endpoint.
Targets: p99 under 50 ms at the measured throughput, ratio at least 0.5.

Every figure is the median of several runs; the ratio is the median of each subscribe
run's ratio to the bare run just before it.

The load is 8 connections per core (16 here), the same for both endpoints. A subscribe
request spends most of its time waiting for Redis and the database, and the requests
that wait together in a worker share one commit: like any server of that kind, it reaches
its throughput with several requests in flight per core. The bare endpoint does the same
from 8 connections to 32; `--connections` measures any other load.

    python benchmarks/service.py            # full run (about two and a half minutes)
    python benchmarks/service.py --smoke    # seconds; what the test suite runs
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("TRUSTSITE_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TRUSTSITE_BENCH_REDIS", "redis://127.0.0.1:6379/14")
TARGET_P99_MS = 50.0
TARGET_RATIO = 0.5

# A distinct address per request: the run id (an argument) + wrk thread number + counter.
WRK_SCRIPT = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local counter = 0
local run = "x"
function init(args)
  run = args[1]
end
request = function()
  counter = counter + 1
  local email = "b" .. run .. "-" .. tid .. "-" .. counter .. "@example.com"
  local body = '{"email":"' .. email .. '","topics":["dpa"]}'
  return wrk.format("POST", "/api/subscriptions", {["Content-Type"] = "application/json"}, body)
end
"""


@dataclass(frozen=True)
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- databases -------------------------------------------------------------------------


@contextmanager
def sqlite_database(workdir: Path) -> Iterator[str]:
    yield f"sqlite:///{workdir / 'bench.db'}"


def pg_reason() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=3):
            return None
    except Exception as err:
        return f"PostgreSQL not reachable at {PG_URL}: {err.__class__.__name__}"


def redis_reason() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return None
    except Exception as err:
        return f"Redis not reachable at {REDIS_URL}: {err.__class__.__name__}"


@contextmanager
def pg_database() -> Iterator[str]:
    import psycopg

    admin = PG_URL.replace("+psycopg", "")
    name = f"trustsite_bench_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield re.sub(r"/[^/]*$", f"/{name}", PG_URL)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate(url: str) -> None:
    from subscribe_service import create_app
    from subscribe_service.infra.migrate import upgrade

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret-0123456789abcdef0123"})
    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per revision otherwise
    upgrade(app)
    app.extensions["trustsite.db"].dispose()


# --- the server ------------------------------------------------------------------------


@contextmanager
def gunicorn(url: str, args: argparse.Namespace) -> Iterator[int]:
    port = free_port()
    env = {
        **os.environ,
        "TRUSTSITE_DATABASE_URL": url,
        "TRUSTSITE_SECRET_KEY": "bench-secret-0123456789abcdef0123",
        # The limiter runs (its cost is part of the figure) but never refuses here.
        "TRUSTSITE_LIMIT_PER_IP": "1000000000 per minute",
        "TRUSTSITE_LIMIT_PER_ADDRESS": "5 per hour",
    }
    if redis_reason() is None:
        # As deployed with several workers: limits shared through Redis.
        env["TRUSTSITE_RATELIMIT_STORAGE_URI"] = REDIS_URL
        env["TRUSTSITE_RATELIMIT_KEY_PREFIX"] = f"bench-{uuid.uuid4().hex}"
    # As deployed: the production settings file, with this run's bind and sizes.
    env["TRUSTSITE_BIND"] = f"127.0.0.1:{port}"
    env["WEB_CONCURRENCY"] = str(args.workers)
    env["TRUSTSITE_WORKER_CLASS"] = args.worker_class
    env["TRUSTSITE_WEB_THREADS"] = str(args.threads)
    command = [
        sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
        # Steady state: no worker is replaced during a run (a restart costs seconds of CPU).
        "--max-requests", "0", "--log-level", "warning", "subscribe_service:create_app()",
    ]  # fmt: skip
    proc = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    try:
        wait_ready(port, proc)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    """Until every worker has booted (a few answered requests in a row)."""
    end = time.monotonic() + timeout
    ok = 0
    while time.monotonic() < end and ok < 20:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz", headers={"Connection": "close"})
            ok = ok + 1 if conn.getresponse().status == 200 else 0
        except OSError:
            ok = 0
            time.sleep(0.2)
    time.sleep(2)  # the second worker boots at its own pace


# --- load generators -------------------------------------------------------------------


def run_wrk(port: int, path: str, seconds: float, connections: int, workdir: Path) -> Result:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    if path == "/api/subscriptions":
        script = workdir / "subscribe.lua"
        script.write_text(WRK_SCRIPT)
        command += ["-s", str(script)]
    target = [f"http://127.0.0.1:{port}{path}"]
    if path == "/api/subscriptions":
        target += ["--", uuid.uuid4().hex[:12]]
    out = subprocess.run([*command, *target], capture_output=True, text=True, check=True).stdout
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return Result(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=wrk_ms(re.search(r"\s50%\s+([\d.]+\w+)", out).group(1)),
        p99_ms=wrk_ms(re.search(r"\s99%\s+([\d.]+\w+)", out).group(1)),
        errors=errors,
    )


def wrk_ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_python(port: int, path: str, seconds: float, connections: int, _workdir: Path) -> Result:
    """Closed-loop load: `connections` threads, each one keep-alive connection."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    stop_at = time.monotonic() + seconds
    run_id = uuid.uuid4().hex[:10]

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = 0
        while time.monotonic() < stop_at:
            i += 1
            if path == "/api/subscriptions":
                body = json.dumps({"email": f"b{run_id}-{n}-{i}@example.com", "topics": ["dpa"]})
                headers = {"Content-Type": "application/json"}
                method = "POST"
            else:
                body, headers, method = None, {}, "GET"
            start = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status < 400
            except OSError:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            latencies[n].append(time.perf_counter() - start)
            errors[n] += 0 if ok else 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    flat = sorted(x for per in latencies for x in per)
    return Result(
        rps=len(flat) / elapsed,
        p50_ms=flat[len(flat) // 2] * 1000,
        p99_ms=flat[min(len(flat) - 1, int(len(flat) * 0.99))] * 1000,
        errors=sum(errors),
    )


def median_result(results: list[Result]) -> Result:
    return Result(
        rps=statistics.median(r.rps for r in results),
        p50_ms=statistics.median(r.p50_ms for r in results),
        p99_ms=statistics.median(r.p99_ms for r in results),
        errors=sum(r.errors for r in results),
    )


# --- the run ---------------------------------------------------------------------------


def bench_backend(name: str, url: str, args: argparse.Namespace, workdir: Path) -> dict:
    migrate(url)
    load = run_wrk if args.generator == "wrk" else run_python
    subscribe_runs, bare_runs = [], []
    with gunicorn(url, args) as port:
        load(port, "/healthz", 1, args.connections, workdir)  # warm-up, not counted
        load(port, "/api/subscriptions", 1, args.connections, workdir)
        for _ in range(args.runs):  # interleaved, so both see the same machine
            bare_runs.append(load(port, "/healthz", args.seconds, args.connections, workdir))
            subscribe_runs.append(
                load(port, "/api/subscriptions", args.seconds, args.connections, workdir)
            )
    subscribe, bare = median_result(subscribe_runs), median_result(bare_runs)
    # Each subscribe run against the bare run just before it: on a shared machine whose
    # speed drifts between runs, the median of these pairs is steadier than a ratio of
    # medians taken at different moments.
    pairs = [s.rps / b.rps for s, b in zip(subscribe_runs, bare_runs, strict=True) if b.rps]
    ratio = statistics.median(pairs) if pairs else 0.0
    label = f"median of {args.runs}"
    print(f"\n{name} ({label}, {args.connections} connections, {args.generator}):")
    print(f"  {'endpoint':<28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for title, r in (("POST /api/subscriptions", subscribe), ("GET /healthz (lower bound)", bare)):
        print(f"  {title:<28} {r.rps:>9.0f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} {r.errors:>7}")
    p99_ok = "ok" if subscribe.p99_ms < TARGET_P99_MS else "MISSED"
    ratio_ok = "ok" if ratio >= TARGET_RATIO else "MISSED"
    shown = ", ".join(f"{p:.2f}" for p in pairs)
    print(
        f"  ratio to the bare endpoint: {ratio:.2f} (target >= {TARGET_RATIO}) {ratio_ok}"
        f"  [each run: {shown}]"
    )
    print(f"  subscribe p99: {subscribe.p99_ms:.2f} ms (target < {TARGET_P99_MS:.0f} ms) {p99_ok}")
    return {
        "backend": name,
        "subscribe": subscribe.__dict__,
        "bare": bare.__dict__,
        "ratio": ratio,
        "ratio_per_run": pairs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one short run on SQLite")
    # Many short pairs: the median of 15 is steady where 3 long runs were not.
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8 * (os.cpu_count() or 2))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--worker-class", choices=("gevent", "gthread"), default="gevent",
        help="gevent as deployed; gthread for comparison",
    )  # fmt: skip
    parser.add_argument("--threads", type=int, default=4, help="of a gthread worker")
    parser.add_argument(
        "--backend", choices=("both", "sqlite", "postgresql"), default="both",
        help="measure one database only",
    )  # fmt: skip
    parser.add_argument(
        "--generator", choices=("wrk", "python"), default="wrk" if shutil.which("wrk") else "python"
    )
    args = parser.parse_args()
    if args.smoke:
        args.seconds, args.runs, args.connections = 1.0, 1, 2
    limits = "in memory" if redis_reason() else f"Redis ({REDIS_URL})"
    print(
        f"gunicorn: {args.workers} {args.worker_class} workers"
        f"{f' x {args.threads} threads' if args.worker_class == 'gthread' else ''}; "
        f"load generator: {args.generator}; rate limits: {limits}"
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="trustsite-bench-") as tmp:
        workdir = Path(tmp)
        if args.backend in ("both", "sqlite"):
            with sqlite_database(workdir) as url:
                results.append(bench_backend("sqlite", url, args, workdir))
        if args.backend in ("both", "postgresql"):
            reason = "--smoke: the full run measures it" if args.smoke else pg_reason()
            if reason:
                print(f"\npostgresql: skipped ({reason})")
            else:
                with pg_database() as url:
                    results.append(bench_backend("postgresql", url, args, workdir))
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "service.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
