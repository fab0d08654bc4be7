"""The outbox store for a sender with webhooks: the mail store (mail/store.py) plus what
webhook rows need.

- The retry schedule: exponential backoff from WEBHOOK_BACKOFF_SECONDS, doubling, until
  WEBHOOK_RETRY_SECONDS (three days) after the first attempt; a last attempt when the
  window closes. Webhook rows have their own attempt ceiling at claim time.
- The endpoints' failure record: a delivered request clears it; three days of failures
  pause the endpoint and mail its owner (deliveries.record_failure).
- What each claimed webhook row posts (`targets`, one query per batch) and the thread
  pool the POSTs run on (transport.RoutingConnection).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from subscribe_service.infra.models import OutboxMessage, OutboxStatus, utcnow
from subscribe_service.mail import store as mail_store
from subscribe_service.mail.interfaces import Claim, Message
from subscribe_service.mail.store import SqlStore
from subscribe_service.webhooks import deliveries
from subscribe_service.webhooks.models import WEBHOOK_KIND, WebhookDelivery, WebhookEndpoint

log = logging.getLogger("subscribe_service.mail.sender")

PREFIX = "webhook:"
MAX_ATTEMPTS_CAP = 40


def retry_offsets(backoff: float, window: float) -> list[float]:
    """Seconds after the first attempt at which each retry is due: doubling from
    `backoff`, the last one when the window closes."""
    offsets: list[float] = []
    at, delay = 0.0, max(backoff, 0.001)
    while at < window and len(offsets) < MAX_ATTEMPTS_CAP - 1:
        at = min(at + delay, window)
        offsets.append(at)
        delay *= 2
    return offsets


@dataclass(frozen=True)
class Target:
    """What posting one claimed webhook row needs, read once per batch."""

    endpoint_id: int
    url: str
    secret: str
    status: str
    failing: bool
    event_id: str
    body: str


class RoutedStore(SqlStore):
    """The outbox store, with the webhook schedule and the endpoints' failure record."""

    def __init__(self, app: Flask, owner: str) -> None:
        super().__init__(app, owner)
        cfg = app.config
        self.backoff_base = float(cfg["WEBHOOK_BACKOFF_SECONDS"])
        self.offsets = retry_offsets(self.backoff_base, float(cfg["WEBHOOK_RETRY_SECONDS"]))
        self.pause_after = float(cfg["WEBHOOK_PAUSE_AFTER_SECONDS"])
        # The claim fails rows that used every attempt: webhook rows have their own count.
        self.kind_max_attempts = {WEBHOOK_KIND: len(self.offsets) + 1}
        self.endpoints: dict[int, tuple[int, bool]] = {}  # row id -> (endpoint, failing)
        self.targets: dict[int, Target] = {}  # row id -> its request's parts, this batch
        self.order: list[int] = []  # the batch's webhook rows, in the order they are sent
        self.position: dict[int, int] = {}
        self.concurrency = max(int(cfg["WEBHOOK_CONCURRENCY"]), 1)
        self._sent: list[tuple[int, str]] = []  # accepted, not recorded yet (a window)
        self._recovered: list[int] = []  # endpoints whose failing record those clear

    @cached_property
    def pool(self) -> ThreadPoolExecutor:
        """The threads webhook POSTs run on, for as long as this sender lives."""
        return ThreadPoolExecutor(self.concurrency, thread_name_prefix="webhook")

    def _load(self, session: Session, ids: list[int]) -> list[OutboxMessage]:
        messages = super()._load(session, ids)
        # One query for the batch's webhook rows, instead of one per row.
        self.order = [m.id for m in messages if m.kind == WEBHOOK_KIND]
        self.position = {row_id: i for i, row_id in enumerate(self.order)}
        self.targets = {}
        if self.order:
            rows = session.execute(
                select(
                    OutboxMessage.id,
                    WebhookEndpoint.id,
                    WebhookEndpoint.url,
                    WebhookEndpoint.secret,
                    WebhookEndpoint.status,
                    WebhookEndpoint.failing_since.is_not(None),
                    WebhookDelivery.event_id,
                    WebhookDelivery.body,
                )
                .join(WebhookDelivery, WebhookDelivery.event_id == OutboxMessage.message_id)
                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                .where(OutboxMessage.id.in_(self.order))
            )
            for row_id, *parts in rows:
                self.targets[row_id] = Target(*parts)
        return messages

    @contextmanager
    def claim(self) -> Iterator[Claim]:
        with super().claim() as claim:
            try:
                yield claim
            finally:
                if self._sent:
                    self._record_sent()  # what was accepted is recorded, whatever came after

    def mark_sent(self, message: Message, reply: str) -> None:
        if message.kind != WEBHOOK_KIND:
            super().mark_sent(message, reply)
            return
        # Webhook answers are recorded a window at a time, in one transaction: a commit
        # per delivery was most of the sender's time. A crash before the commit re-sends
        # that window, under the same webhook-ids, besides the requests under way: at
        # most twice WEBHOOK_CONCURRENCY repeats in all (docs/webhooks.md).
        self._sent.append((message.id, reply))
        endpoint = self.endpoints.pop(message.id, None)
        if endpoint is not None and endpoint[1]:
            self._recovered.append(endpoint[0])
        if len(self._sent) >= self.concurrency:
            self._record_sent()

    def _record_sent(self) -> None:
        for endpoint_id in self._recovered:
            deliveries.record_success(self.session, endpoint_id)
        mail_store.mark_sent_many(self.session, self._sent, self.owner)
        self._sent, self._recovered = [], []

    def mark_failed(self, message: Message, reason: str) -> None:
        super().mark_failed(message, reason)
        self._failed_attempt(message, reason)

    def mark_retry(self, message: Message, reason: str) -> bool:
        if message.kind != WEBHOOK_KIND:
            return super().mark_retry(message, reason)
        row = self._row(message)
        due = self._next_attempt(row)
        if due is None:
            mail_store.mark_failed(self.session, row.id, self.owner, f"gave up: {reason}")
        else:
            mail_store.mark_retry(
                self.session, row, self.owner, reason,
                max_attempts=len(self.offsets) + 1, backoff_seconds=0,
            )  # fmt: skip
            self._reschedule(row.id, due)
        self._failed_attempt(message, reason)
        return due is not None

    def _next_attempt(self, row: OutboxMessage) -> dt.datetime | None:
        """When the next attempt is due, or None when the schedule is over.

        Due at the schedule's offset from the first attempt, but never sooner than the
        backoff from now (a sender that was down does not fire the missed retries in a
        row), and never after the window closes."""
        end = row.created_at + dt.timedelta(seconds=self.offsets[-1])
        now = utcnow()
        if row.attempts > len(self.offsets) or now >= end:
            return None
        planned = row.created_at + dt.timedelta(seconds=self.offsets[row.attempts - 1])
        backoff = dt.timedelta(seconds=self.backoff_base * 2 ** (row.attempts - 1))
        return min(max(planned, now + backoff), end)

    def _reschedule(self, row_id: int, due: dt.datetime) -> None:
        table = OutboxMessage.__table__
        self.session.execute(
            table.update()
            .where(table.c.id == row_id, table.c.status == OutboxStatus.QUEUED)
            .values(next_attempt_at=due)
        )
        self.session.commit()

    def _failed_attempt(self, message: Message, reason: str) -> None:
        if message.kind != WEBHOOK_KIND:
            return
        endpoint = self.endpoints.pop(message.id, None)
        endpoint_id = endpoint[0] if endpoint else _endpoint_of(message.recipient)
        if endpoint_id is None:
            return
        if deliveries.record_failure(
            self.session, endpoint_id, reason, pause_after=self.pause_after
        ):
            log.warning("webhook endpoint #%d paused: %s", endpoint_id, deliveries.FAILING)
        self.session.commit()


def _endpoint_of(recipient: str) -> int | None:
    tail = recipient.removeprefix(PREFIX)
    return int(tail) if tail.isdigit() else None
