"""Benchmark: how fast a change reaches every subscriber, against what SMTP allows.

1. Delivery: N confirmed subscribers (default 10,000), one sub-processor change. Time from
   `notify` to the last message accepted by a local aiosmtpd sink (notify + the real
   sender draining the outbox: claim, render, build, send, record each result), against
   the lower bound measured in the same run: plain smtplib sending N pre-built messages
   of the same size over one connection to the same sink. Target: our throughput is at
   least 0.7 of the lower bound's.
2. Notify alone: 100,000 confirmed subscribers, one change, on SQLite and on PostgreSQL
   (skipped with a reason when unreachable). Target: under 10 seconds.

Every figure is the median of several runs. The sink runs in its own process, so the
client side being measured does not share an interpreter with the server.

    python benchmarks/notify.py            # full run (a few minutes)
    python benchmarks/notify.py --smoke    # seconds; what the test suite runs
"""

from __future__ import annotations

import argparse
import os
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, delete, insert, text

from subscribe_service import create_app
from subscribe_service.infra import migrate
from subscribe_service.infra.db import session_scope
from subscribe_service.infra.models import (
    Notice,
    OutboxMessage,
    Subscriber,
    SubscriberTopic,
    utcnow,
)
from subscribe_service.mail.message import build_message
from subscribe_service.mail.sender import drain
from subscribe_service.notices.notify import notify
from subscribe_service.notices.source import parse_changes
from subscribe_service.registry import get_registry

PG_URL = os.environ.get("TRUSTSITE_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SITE = "https://trust.larkspur.example/"
TARGET_RATIO = 0.7
NOTIFY_LIMIT_S = 10.0


def change_doc(version: str) -> dict[str, Any]:
    """A changes.json with one sub-processor change (a new id per run keeps runs apart)."""
    entry = {
        "id": "brightwave-mail",
        "entity": "Brightwave Mail Inc.",
        "purpose": "Sends transactional email on our behalf",
        "data_categories": ["Email address", "Name"],
        "processing_locations": ["US"],
        "corporate_location": "US",
        "transfer_mechanism": "SCCs",
        "website": "https://brightwave.example/",
        "relationship": "third-party",
    }
    record = {
        "id": f"subprocessors/{version}",
        "topic": "subprocessors",
        "topic_title": "Sub-processors",
        "version": version,
        "previous_version": "2024-09-01",
        "title": f"Sub-processor list, effective {version}",
        "summary": "Adds Brightwave Mail for transactional email.",
        "announced": "2025-01-20",
        "effective": version,
        "objection_deadline": "2025-02-28",
        "editorial": False,
        "status": "upcoming",
        "url": f"{SITE}subprocessors/{version}/",
        "diff_url": f"{SITE}subprocessors/{version}/#what-changed",
        "diff": {"kind": "list", "added": [entry], "removed": [], "changed": []},
    }
    return {
        "format": "trustsite-changes/1",
        "as_of": "2025-02-01",
        "site": {
            "url": SITE,
            "company": "Larkspur Relay",
            "privacy_contact": "privacy@larkspur.example",
        },
        "changes": [record],
    }


# ---------------------------------------------------------------- infrastructure


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp_sink() -> Iterator[int]:
    """aiosmtpd's discarding Sink handler in its own process; yields its port."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    if s.recv(100).startswith(b"220"):
                        break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the aiosmtpd sink did not start") from None
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def postgres_reachable(url: str) -> str | None:
    """None if PostgreSQL answers, else why not."""
    try:
        with create_engine(url, connect_args={"connect_timeout": 3}).connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as err:  # any failure means: skip with the reason
        return str(err).splitlines()[0]
    return None


@contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    """A fresh database URL: a SQLite file, or a throwaway PostgreSQL schema."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        return
    schema = f"bench_notify_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def make_app(db_url: str, smtp_port: int) -> Flask:
    app = create_app(
        {
            "SECRET_KEY": "benchmark-secret-0123456789abcdef",
            "DATABASE_URL": db_url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp_port,
            "SITE_URL": SITE,
            "SEND_RATE": 0,  # no rate limit: measure the engine, not the throttle
            "RATELIMIT_ENABLED": False,
        }
    )
    migrate.upgrade(app)
    return app


def add_subscribers(app: Flask, count: int) -> None:
    now = utcnow()
    with session_scope(app) as session:
        session.execute(
            insert(Subscriber),
            [
                {
                    "email": f"reader{i}@client{i % 97}.example",
                    "status": "confirmed",
                    "token_version": 1,
                    "created_at": now,
                    "confirmed_at": now,
                }
                for i in range(count)
            ],
        )
        ids = session.scalars(text("SELECT id FROM subscribers")).all()
        session.execute(
            insert(SubscriberTopic), [{"subscriber_id": i, "topic": "subprocessors"} for i in ids]
        )


def clear_notices(app: Flask) -> None:
    with session_scope(app) as session:
        session.execute(delete(OutboxMessage))
        session.execute(delete(Notice))


# ---------------------------------------------------------------- measurements


def time_notify(app: Flask, run: int) -> tuple[float, int]:
    loaded = parse_changes(change_doc(f"2030-01-{run + 1:02d}"))
    start = time.perf_counter()
    with session_scope(app) as session:
        report = notify(session, loaded)
    return time.perf_counter() - start, report.deliveries


def time_delivery(app: Flask, run: int) -> tuple[float, int]:
    """notify + drain: the last message is accepted before drain returns."""
    start = time.perf_counter()
    _, queued = time_notify(app, run)
    counts = drain(app)
    elapsed = time.perf_counter() - start
    if counts.sent != queued:
        raise RuntimeError(f"sent {counts.sent} of {queued} queued ({counts})")
    return elapsed, counts.sent


def prebuilt_message(app: Flask) -> bytes:
    """One real notice, rendered and built exactly as the sender does, as bytes."""
    with app.app_context(), session_scope(app) as session:
        row = session.query(OutboxMessage).filter_by(kind="notice").first()
        assert row is not None
        rendered = get_registry(app).mail_kinds["notice"].render(session, row)
        assert rendered is not None
        message = build_message(app.config, rendered, row.recipient)
        return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))  # as on the wire


def time_smtplib(port: int, message: bytes, count: int) -> float:
    """The lower bound: pre-built messages over one plain smtplib connection."""
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        for i in range(count):
            smtp.sendmail("notices@larkspur.example", [f"reader{i}@client.example"], message)
    return time.perf_counter() - start


def smtplib_parallel(port: int, message: bytes, count: int, connections: int) -> float:
    """The lower bound over `connections` connections: as many smtplib processes at once
    (one connection is time_smtplib in this process)."""
    if connections <= 1:
        return time_smtplib(port, message, count)
    share = count // connections
    with ProcessPoolExecutor(connections) as pool:
        ports, messages = [port] * connections, [message] * connections
        list(pool.map(time_smtplib, ports, messages, [1] * connections))  # started, warm
        start = time.perf_counter()
        list(pool.map(time_smtplib, ports, messages, [share] * connections))
        return time.perf_counter() - start


def median_of(runs: int, fn: Callable[[int], float]) -> float:
    return statistics.median(fn(i) for i in range(runs))


def bench_delivery(workdir: Path, subscribers: int, runs: int) -> bool:
    with smtp_sink() as port, database("sqlite", workdir) as url:
        app = make_app(url, port)
        add_subscribers(app, subscribers)

        def ours(i: int) -> float:
            clear_notices(app)
            return time_delivery(app, i)[0]

        ours_s = median_of(runs, ours)
        message = prebuilt_message(app)
        # As many connections as the sender opens (SEND_CONNECTIONS): like for like.
        connections = int(app.config["SEND_CONNECTIONS"])
        bound_s = median_of(
            runs, lambda _i: smtplib_parallel(port, message, subscribers, connections)
        )
    ratio = bound_s / ours_s
    print(f"delivery, {subscribers} subscribers, SQLite, median of {runs}:")
    print(
        f"  notify -> last message accepted, {connections} SMTP sessions: {ours_s:.2f} s "
        f"({subscribers / ours_s:.0f} msg/s)"
    )
    print(
        f"  smtplib lower bound, {connections} connection(s), {len(message)} byte messages: "
        f"{bound_s:.2f} s ({subscribers / bound_s:.0f} msg/s)"
    )
    ok = ratio >= TARGET_RATIO
    print(
        f"  ratio to the lower bound: {ratio:.2f} (target >= {TARGET_RATIO}) "
        f"{'OK' if ok else 'MISSED'}"
    )
    return ok


def bench_notify(workdir: Path, kind: str, subscribers: int, runs: int) -> bool:
    with database(kind, workdir) as url:
        app = make_app(url, 25)  # nothing is sent
        add_subscribers(app, subscribers)
        queued: list[int] = []

        def once(i: int) -> float:
            clear_notices(app)
            elapsed, count = time_notify(app, i)
            queued.append(count)
            return elapsed

        seconds = median_of(runs, once)
    if set(queued) != {subscribers}:
        raise RuntimeError(f"notify queued {queued}, expected {subscribers} each run")
    ok = seconds < NOTIFY_LIMIT_S
    print(
        f"notify alone, {subscribers} subscribers, {kind}, median of {runs}: {seconds:.2f} s "
        f"(target < {NOTIFY_LIMIT_S:.0f} s) {'OK' if ok else 'MISSED'}"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one run: a quick check")
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--notify-subscribers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--only", choices=("delivery", "notify"), help="run one of the two measurements"
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.subscribers, args.notify_subscribers, args.runs = 200, 2_000, 1

    results = []
    with tempfile.TemporaryDirectory(prefix="trustsite-bench-") as tmp:
        workdir = Path(tmp)
        if args.only != "notify":
            results.append(bench_delivery(workdir, args.subscribers, args.runs))
        if args.only != "delivery":
            results.append(bench_notify(workdir, "sqlite", args.notify_subscribers, args.runs))
            why_not = postgres_reachable(PG_URL)
            if why_not:
                print(f"notify alone on PostgreSQL: skipped ({why_not})")
            else:
                pg = bench_notify(workdir, "postgresql", args.notify_subscribers, args.runs)
                results.append(pg)
    # A smoke run only proves the benchmark works; its tiny figures mean nothing.
    return 0 if args.smoke or all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
