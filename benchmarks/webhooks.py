"""Benchmark: how fast a change reaches 1,000 webhook endpoints, against a bare HTTP client.

N confirmed endpoints (default 1,000, standard format) on one local HTTP receiver, one
sub-processor change. Time from `notify` to the last delivery accepted: notify queues a
delivery and an outbox row per endpoint, and the real sender drains the outbox through
the delivery engine (claim, sign, the checked outbound POST to the address that was
resolved, record each answer). The lower bound, measured in the same run against the
same receiver: plain http.client POSTing the same bodies with the same headers to the
same N URLs, one connection per request as the sender makes (each endpoint is its own
host in real life), measured right after each of our runs. Target: the median of the
runs' ratios is at least 0.7. An untimed pair comes first (start-up costs of the
receiver, the interpreter and the database), and the clean-up between runs is written
back to the SQLite file before the clock starts.

The receiver is http.server in its own process, so the client side being measured does
not share an interpreter with the server.

    python benchmarks/webhooks.py            # full run (a minute or two)
    python benchmarks/webhooks.py --smoke    # seconds; what the test suite runs
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from notify import SITE, TARGET_RATIO, change_doc, database, free_port
from sqlalchemy import delete, insert, select

from subscribe_service import create_app
from subscribe_service.infra import migrate
from subscribe_service.infra.db import get_database, session_scope
from subscribe_service.infra.models import Notice, OutboxMessage, utcnow
from subscribe_service.mail.sender import drain
from subscribe_service.notices.notify import notify
from subscribe_service.notices.source import parse_changes
from subscribe_service.webhooks.api import new_secret
from subscribe_service.webhooks.models import WebhookDelivery, WebhookEndpoint
from subscribe_service.webhooks.transport import signed_headers


@contextmanager
def receiver() -> Iterator[int]:
    """subscribe_service.dev.webhook_receiver in its own process; yields its port."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "subscribe_service.dev.webhook_receiver", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                post(port, "/ready", b"{}", {"Content-Type": "application/json"})
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the webhook receiver did not start") from None
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def post(port: int, path: str, body: bytes, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def make_app(db_url: str) -> Flask:
    app = create_app(
        {
            "SECRET_KEY": "benchmark-secret-0123456789abcdef",
            "DATABASE_URL": db_url,
            "SITE_URL": SITE,
            "SEND_RATE": 0,  # no rate limit: measure the engine, not the throttle
            "RATELIMIT_ENABLED": False,
            "WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
        }
    )
    migrate.upgrade(app)
    return app


def add_endpoints(app: Flask, port: int, count: int) -> None:
    now = utcnow()
    with session_scope(app) as session:
        session.execute(
            insert(WebhookEndpoint),
            [
                {
                    "url": f"http://127.0.0.1:{port}/client{i}",
                    "email": f"owner{i}@client{i % 97}.example",
                    "topics": ["subprocessors"],
                    "products": None,
                    "format": "standard",
                    "secret": new_secret(),
                    "status": "active",
                    "token_version": 1,
                    "created_at": now,
                    "confirmed_at": now,
                }
                for i in range(count)
            ],
        )


def clear(app: Flask) -> None:
    """The last run's rows gone, and (SQLite) their deletion written back to the database
    file: otherwise the WAL checkpoint that the clean-up makes due (a copy of every page
    and a disk sync) falls inside the next timed run, which did not cause it."""
    with session_scope(app) as session:
        session.execute(delete(WebhookDelivery))
        session.execute(delete(OutboxMessage))
        session.execute(delete(Notice))
    engine = get_database(app).engine
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def time_delivery(app: Flask, version: str) -> float:
    """notify + drain: the last delivery is accepted before drain returns."""
    clear(app)
    start = time.perf_counter()
    with app.app_context(), session_scope(app) as session:  # the hooks are the app's
        report = notify(session, parse_changes(change_doc(version)))
    queued = report.created[0].other_deliveries
    counts = drain(app)
    elapsed = time.perf_counter() - start
    if counts.sent != queued:
        raise RuntimeError(f"sent {counts.sent} of {queued} queued ({counts})")
    return elapsed


def prepared_requests(app: Flask) -> list[tuple[str, bytes, dict[str, str]]]:
    """The last run's deliveries as the sender posts them: path, body, signed headers."""
    with session_scope(app) as session:
        rows = session.execute(
            select(WebhookDelivery, WebhookEndpoint)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .order_by(WebhookDelivery.id)
        ).all()
        now = utcnow()
        return [
            (
                "/" + e.url.rsplit("/", 1)[1],
                d.body.encode("utf-8"),
                signed_headers(e.secret, d.event_id, d.body, now),
            )
            for d, e in rows
        ]


def time_bare_client(port: int, requests: list[tuple[str, bytes, dict[str, str]]]) -> float:
    """The lower bound: the same POSTs with plain http.client, nothing else."""
    start = time.perf_counter()
    for path, body, headers in requests:
        status = post(port, path, body, headers)
        if status != 200:
            raise RuntimeError(f"the receiver answered {status}")
    return time.perf_counter() - start


def bench(workdir: Path, endpoints: int, runs: int) -> bool:
    """Each run is a pair, ours then the bound just after: on a shared machine the load
    drifts, and the ratio is the median of the pairs' ratios."""
    ours: list[float] = []
    bound: list[float] = []
    with receiver() as port, database("sqlite", workdir) as url:
        app = make_app(url)
        add_endpoints(app, port, endpoints)
        # An untimed pair first: the receiver process, this interpreter and the database
        # pay their one-time start-up costs there. The bound always runs right after one
        # of ours, so without it those costs would all land on our first run.
        time_delivery(app, "2029-12-31")
        time_bare_client(port, prepared_requests(app))
        for run in range(runs):
            ours.append(time_delivery(app, f"2030-01-{run + 1:02d}"))
            requests = prepared_requests(app)
            bound.append(time_bare_client(port, requests))
        size = len(requests[0][1])
    ours_s, bound_s = statistics.median(ours), statistics.median(bound)
    ratio = statistics.median(b / o for b, o in zip(bound, ours, strict=True))
    print(f"webhook delivery, {endpoints} endpoints, SQLite, median of {runs}:")
    print(f"  notify -> last delivery accepted: {ours_s:.2f} s ({endpoints / ours_s:.0f} req/s)")
    print(
        f"  http.client lower bound, {size} byte bodies, a connection per request: "
        f"{bound_s:.2f} s ({endpoints / bound_s:.0f} req/s)"
    )
    ok = ratio >= TARGET_RATIO
    print(
        f"  ratio to the lower bound: {ratio:.2f} (target >= {TARGET_RATIO}; median of the "
        f"runs' ratios) {'OK' if ok else 'MISSED'}"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one run: a quick check")
    parser.add_argument("--endpoints", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    if args.smoke:
        args.endpoints, args.runs = 50, 1
    with tempfile.TemporaryDirectory(prefix="trustsite-bench-") as tmp:
        ok = bench(Path(tmp), args.endpoints, args.runs)
    # A smoke run only proves the benchmark works; its tiny figures mean nothing.
    return 0 if args.smoke or ok else 1


if __name__ == "__main__":
    sys.exit(main())
