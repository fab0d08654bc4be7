"""Prometheus metrics at /metrics: the outbox, read at scrape time, and HTTP requests.

Deliveries are counted from the `outbox` table when Prometheus scrapes, not by counters in
the senders: the senders are separate processes (often on other hosts) without an HTTP
port, they restart, and several share the queue; the table is the one place that knows
how many mails are sent, failed, bounced or still waiting, whichever sender handled them.

Request counters live in each gunicorn worker. With several workers a scrape reaches one
of them, so the workers share their counters through prometheus_client's multiprocess
mode: set PROMETHEUS_MULTIPROC_DIR to an empty folder before gunicorn starts
(deploy/gunicorn.conf.py does) and every scrape reports the sum over all workers.

Access: with TRUSTSITE_METRICS_TOKEN set, a scraper sends `Authorization: Bearer <token>`;
without it, only a client on this host talking to gunicorn directly (not through a proxy,
which adds X-Forwarded-For) may read the metrics.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Iterator

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from subscribe_service.infra.db import get_database
from subscribe_service.infra.models import OutboxMessage, OutboxStatus, utcnow
from subscribe_service.web.problems import problem

log = logging.getLogger("subscribe_service.infra.metrics")

bp = Blueprint("metrics", __name__)

LOOPBACK = {"127.0.0.1", "::1"}
# What generate_latest writes: the Prometheus text format 0.0.4.
TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8"
PENDING = (OutboxStatus.QUEUED, OutboxStatus.SENDING)
# Requests are fast (no mail is sent in a request): buckets around the 50 ms target.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

REQUESTS = Counter(
    "trustsite_http_requests",
    "HTTP requests answered, by endpoint (Flask endpoint name), method and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "trustsite_http_request_duration_seconds",
    "Time from the request reaching the app to the response, by endpoint.",
    ["endpoint"],
    buckets=LATENCY_BUCKETS,
)


class OutboxCollector:
    """Yields the outbox counts of one app's database, queried at every scrape."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "trustsite_database_up", "1 if the outbox could be read at this scrape, else 0."
        )
        try:
            counts, oldest = self._read()
        except SQLAlchemyError as err:
            log.warning("metrics: the outbox could not be read: %s", err.__class__.__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from outbox_metrics(counts, oldest)

    def _read(self) -> tuple[dict[tuple[str, str], int], float | None]:
        database = get_database(self.app)
        with database.sessions() as session:
            rows = session.execute(
                select(OutboxMessage.kind, OutboxMessage.status, func.count()).group_by(
                    OutboxMessage.kind, OutboxMessage.status
                )
            )
            counts = {(kind, status): int(n) for kind, status, n in rows}
            oldest = session.scalar(
                select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status.in_(PENDING))
            )
        age = (utcnow() - oldest).total_seconds() if oldest is not None else None
        return counts, age


def outbox_metrics(
    counts: dict[tuple[str, str], int], oldest_pending_age: float | None
) -> Iterator[Metric]:
    """The outbox families; every status of every kind seen is reported, zeros included."""
    messages = GaugeMetricFamily(
        "trustsite_outbox_messages",
        "Mails in the outbox by kind (notice, confirm, ...) and status "
        "(queued, sending, sent, failed, bounced, cancelled), counted at scrape time.",
        labels=["kind", "status"],
    )
    pending = GaugeMetricFamily(
        "trustsite_outbox_pending",
        "Mails not sent yet (queued or being sent), by kind.",
        labels=["kind"],
    )
    kinds = sorted({kind for kind, _status in counts} | {"notice"})
    for kind in kinds:
        for status in OutboxStatus:
            messages.add_metric([kind, status], counts.get((kind, status), 0))
        pending.add_metric([kind], sum(counts.get((kind, s), 0) for s in PENDING))
    yield messages
    yield pending
    age = GaugeMetricFamily(
        "trustsite_outbox_oldest_pending_age_seconds",
        "Age of the oldest mail not sent yet (0 when none): grows when no sender is running.",
    )
    age.add_metric([], max(oldest_pending_age or 0.0, 0.0))
    yield age


def _scrape_registry(app: Flask) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_Forward(REGISTRY))
    registry.register(OutboxCollector(app))
    return registry


class _Forward:
    """The process's own metrics (one process: the default registry has them all)."""

    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self) -> Iterator[Metric]:
        return self.source.collect()


def _refusal() -> Response | None:
    token = str(current_app.config.get("METRICS_TOKEN") or "")
    if token:
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return None
        return problem(
            401,
            "Metrics token required",
            "Send the TRUSTSITE_METRICS_TOKEN as `Authorization: Bearer <token>`.",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    local = request.remote_addr in LOOPBACK and "X-Forwarded-For" not in request.headers
    if local:
        return None
    return problem(
        403,
        "Metrics are private",
        "Scrape from this host directly, or set TRUSTSITE_METRICS_TOKEN and send it "
        "as a bearer token.",
    )


@bp.get("/metrics")
def scrape() -> Response:
    refused = _refusal()
    if refused is not None:
        return refused
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    body = generate_latest(_scrape_registry(app))
    return Response(body, headers={"Content-Type": TEXT_FORMAT})


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _count(response: Response) -> Response:
    endpoint = request.endpoint or "unmatched"  # bounded labels: never the raw path
    REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    started = g.get("metrics_started")
    if started is not None:
        LATENCY.labels(endpoint).observe(time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    app.before_request(_start_timer)
    app.after_request(_count)
