"""The outbox store for a sender with webhooks: the mail store (mail/store.py) plus what
webhook rows need.

- The retry schedule: exponential backoff from WEBHOOK_BACKOFF_SECONDS, doubling, until
  WEBHOOK_RETRY_SECONDS (three days) after the first attempt; a last attempt when the
  window closes. Webhook rows have their own attempt ceiling at claim time.
- The endpoints' failure record: a delivered request clears it; three days of failures
  pause the endpoint and mail its owner (deliveries.record_failure).
- The claimed webhook rows themselves (`WebhookRow`: the row with what posting it
  needs, one Core query per batch, no ORM objects), which transport.RoutingConnection
  posts. Mail rows in the same batch are loaded as the mail store loads them.
- Accepted deliveries recorded a window at a time: one UPDATE per window.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from subscribe_service.infra.db import one_of
from subscribe_service.infra.models import OutboxMessage, OutboxStatus, utcnow
from subscribe_service.mail import store as mail_store
from subscribe_service.mail.interfaces import Claim, Message
from subscribe_service.mail.recorder import mark_sent_statement, stored_text
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
class WebhookRow:
    """A claimed webhook row as the engine sees it (a Message), with what posting it
    needs: read for the whole batch in one query. `endpoint_id` is None when the
    endpoint was deleted since the delivery was queued."""

    id: int
    kind: str
    recipient: str
    attempts: int  # counting the one under way
    created_at: dt.datetime
    endpoint_id: int | None
    url: str
    secret: str
    status: str
    failing: bool
    event_id: str
    body: str


_OUTBOX = OutboxMessage.__table__
_DELIVERY = WebhookDelivery.__table__
_ENDPOINT = WebhookEndpoint.__table__

# The batch's webhook rows with their delivery and endpoint (outer joins: an endpoint
# deleted since is cancelled by the composer, not lost from the batch). By dialect
# ({postgresql: statement}, see db.one_of).
_LOAD = {
    postgresql: select(
        _OUTBOX.c.id,
        _OUTBOX.c.kind,
        _OUTBOX.c.recipient,
        _OUTBOX.c.attempts,
        _OUTBOX.c.created_at,
        _ENDPOINT.c.id,
        _ENDPOINT.c.url,
        _ENDPOINT.c.secret,
        _ENDPOINT.c.status,
        _ENDPOINT.c.failing_since.is_not(None),
        _DELIVERY.c.event_id,
        _DELIVERY.c.body,
    )
    .select_from(_OUTBOX)
    .outerjoin(_DELIVERY, _DELIVERY.c.event_id == _OUTBOX.c.message_id)
    .outerjoin(_ENDPOINT, _ENDPOINT.c.id == _DELIVERY.c.endpoint_id)
    .where(one_of(_OUTBOX.c.id, "ids", postgresql))
    for postgresql in (False, True)
}

# A window of accepted deliveries with the same answer, in one statement; still
# guarded by the lease, like the mail store's mark_sent.
_MARK_SENT = mark_sent_statement(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)))

# A failed attempt back to the queue, due at the schedule's next time (lease-guarded).
_RESCHEDULE = (
    _OUTBOX.update()
    .where(
        _OUTBOX.c.id == bindparam("row_id"),
        _OUTBOX.c.lease_owner == bindparam("owner"),
        _OUTBOX.c.status == OutboxStatus.SENDING,
    )
    .values(
        status=OutboxStatus.QUEUED,
        next_attempt_at=bindparam("due", type_=_OUTBOX.c.next_attempt_at.type),
        last_error=bindparam("error"),
        lease_owner=None,
        lease_until=None,
    )
)


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
        self.targets: dict[int, WebhookRow] = {}  # the batch's webhook rows, by id
        self.order: list[int] = []  # the batch's webhook rows, in the order they are sent
        self.position: dict[int, int] = {}
        self.concurrency = max(int(cfg["WEBHOOK_CONCURRENCY"]), 1)
        self._sent: list[tuple[int, str]] = []  # accepted, not recorded yet (a window)
        self._recovered: list[int] = []  # endpoints whose failing record those clear

    def _load(self, session: Session, ids: list[int]) -> list[Message]:  # type: ignore[override]
        """The batch in claim order: webhook rows as WebhookRows (one Core query, no ORM
        objects: loading those was most of a claim), mail rows as the mail store loads
        them."""
        found = {
            row.id: WebhookRow(*row)
            for row in session.execute(_LOAD[self.postgresql], {"ids": ids})
            if row.kind == WEBHOOK_KIND
        }
        self.targets = {i: r for i, r in found.items() if r.endpoint_id is not None}
        mail_ids = [i for i in ids if i not in found]
        mail = {m.id: m for m in super()._load(session, mail_ids)} if mail_ids else {}
        if not mail_ids:
            session.commit()  # end the read; super()._load commits otherwise
        messages: list[Message] = [found.get(i) or mail[i] for i in ids if i in found or i in mail]
        self.order = [m.id for m in messages if m.kind == WEBHOOK_KIND]
        self.position = {row_id: i for i, row_id in enumerate(self.order)}
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
        if self.session.in_transaction():
            self.session.commit()  # its locks would hold up the recording connection
        # One autocommit UPDATE per distinct answer (nearly always one): the window is
        # committed together, and a crash before it re-sends the window (same ids). An
        # answer is the server's text: stored as every outbox text is (no NUL, capped).
        by_reply: dict[str, list[int]] = {}
        for row_id, reply in self._sent:
            by_reply.setdefault(stored_text(reply), []).append(row_id)
        recorder = self._recorder
        assert recorder is not None, "only while a batch is claimed"
        now = utcnow()
        for reply, row_ids in by_reply.items():
            params = {"ids": row_ids, "owner": self.owner, "sent_at": now, "reply": reply}
            recorder.execute(_MARK_SENT, params)
        self._sent, self._recovered = [], []

    def mark_failed(self, message: Message, reason: str) -> None:
        super().mark_failed(message, reason)
        self._failed_attempt(message, reason)

    def mark_retry(self, message: Message, reason: str) -> bool:
        if message.kind != WEBHOOK_KIND:
            return super().mark_retry(message, reason)
        assert isinstance(message, WebhookRow)
        due = self._next_attempt(message)
        if due is None:
            mail_store.mark_failed(self.session, message.id, self.owner, f"gave up: {reason}")
        else:
            params = {
                "row_id": message.id,
                "owner": self.owner,
                "due": due,
                "error": stored_text(reason),
            }
            self.session.execute(_RESCHEDULE, params)
            self.session.commit()
        self._failed_attempt(message, reason)
        return due is not None

    def _next_attempt(self, row: WebhookRow) -> dt.datetime | None:
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

    def _failed_attempt(self, message: Message, reason: str) -> None:
        if message.kind != WEBHOOK_KIND:
            return
        endpoint = self.endpoints.pop(message.id, None)
        endpoint_id = endpoint[0] if endpoint else _endpoint_of(message.recipient)
        if endpoint_id is None:
            return
        if deliveries.record_failure(
            self.session, endpoint_id, stored_text(reason), pause_after=self.pause_after
        ):
            log.warning("webhook endpoint #%d paused: %s", endpoint_id, deliveries.FAILING)
        self.session.commit()


def _endpoint_of(recipient: str) -> int | None:
    tail = recipient.removeprefix(PREFIX)
    return int(tail) if tail.isdigit() else None
