"""Webhooks as the delivery engine's second transport, beside SMTP.

A delivery is an outbox row of kind `webhook` whose recipient is `webhook:<endpoint
id>`, so it is claimed, leased, retried and recorded by the same engine and store as a
mail (mail/engine.py): at least once, a crash loses at most the request in flight. Three
parts route by row:

- `RoutingComposer`: mail rows go to the mail Composer; a webhook row becomes its signed
  request (Standard Webhooks headers: the delivery's fixed webhook-id, the attempt's
  timestamp and signature), passed to the connection as JSON bytes.
- `RoutingConnection`: a webhook request is POSTed through outbound.py; a mail goes to an
  SMTP session opened when the batch's first mail needs it. Every HTTP outcome is that
  delivery's own (a 5xx or a timeout is retried; a refused URL fails the delivery), so an
  endpoint that is down never sends the rest of the batch back to the queue.
- `RoutedStore`: the outbox store with the webhook retry schedule (exponential backoff
  for WEBHOOK_RETRY_SECONDS, three days) and the endpoint's failure record: success
  clears it, and three days of failures pause the endpoint and mail its owner.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import lru_cache
from typing import Any

from flask import Flask
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from subscribe_service.infra.models import OutboxMessage, utcnow
from subscribe_service.mail import outbox
from subscribe_service.mail.compose import Composer
from subscribe_service.mail.engine import Engine
from subscribe_service.mail.interfaces import Connection, Message, Prepared, SendResult, Settle
from subscribe_service.mail.smtp import SmtpConnection
from subscribe_service.mail.store import SqlStore
from subscribe_service.registry import get_registry
from subscribe_service.webhooks import deliveries, outbound
from subscribe_service.webhooks.models import WEBHOOK_KIND, WebhookDelivery, WebhookEndpoint

log = logging.getLogger("subscribe_service.mail.sender")

PREFIX = "webhook:"
USER_AGENT = "trustsite-webhooks/1"
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


@lru_cache(maxsize=256)
def _signer(secret: str) -> Webhook:
    return Webhook(secret)


def sign(secret: str, event_id: str, moment: dt.datetime, body: str) -> str:
    """`v1,<base64 HMAC-SHA256 of id.timestamp.body>` under the endpoint's whsec_ secret."""
    return _signer(secret).sign(event_id, moment, body)


def signed_headers(secret: str, event_id: str, body: str, now: dt.datetime) -> dict[str, str]:
    moment = now.replace(microsecond=0)
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": event_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": sign(secret, event_id, moment, body),
    }


class WebhookComposer:
    """A claimed webhook row -> its request (url, headers, body) as JSON bytes."""

    def __init__(self, store: RoutedStore) -> None:
        self.store = store

    def prepare(self, message: OutboxMessage) -> Prepared:
        found = self.store.session.execute(
            select(WebhookDelivery, WebhookEndpoint)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.id == int(message.payload.get("delivery", 0)))
        ).first()
        if found is None:
            return Settle("cancelled", "the endpoint was deleted")
        delivery, endpoint = found
        if endpoint.status != "active":
            return Settle("cancelled", deliveries.HELD)
        self.store.endpoints[message.id] = (endpoint.id, endpoint.failing_since is not None)
        request = {
            "url": endpoint.url,
            "headers": signed_headers(endpoint.secret, delivery.event_id, delivery.body, utcnow()),
            "body": delivery.body,
        }
        return json.dumps(request).encode()


class RoutingComposer:
    def __init__(self, mail: Composer, webhooks: WebhookComposer) -> None:
        self.mail = mail
        self.webhooks = webhooks

    def prepare(self, message: Message) -> Prepared:
        if message.kind == WEBHOOK_KIND:
            assert isinstance(message, OutboxMessage)
            return self.webhooks.prepare(message)
        return self.mail.prepare(message)


Poster = Callable[[dict[str, Any]], SendResult]


def http_poster(app: Flask) -> Poster:
    cfg = app.config
    allow = outbound.allow_list(cfg["WEBHOOK_ALLOW_HOSTS"])
    connect_timeout = float(cfg["WEBHOOK_CONNECT_TIMEOUT"])
    total_timeout = float(cfg["WEBHOOK_TIMEOUT"])

    def post(request: dict[str, Any]) -> SendResult:
        try:
            answer = outbound.post(
                request["url"],
                request["body"].encode("utf-8"),
                request["headers"],
                allow_hosts=allow,
                connect_timeout=connect_timeout,
                total_timeout=total_timeout,
            )
        except outbound.Refused as err:
            # The address became private (or the operator's allow list changed): the
            # same request would be refused again, so the delivery fails at once.
            return SendResult("permanent", 0, f"refused: {err}", stage="data")
        except OSError as err:
            return SendResult("temporary", 0, f"no answer: {err}")
        reply = answer.reason or ""
        if 200 <= answer.status < 300:
            return SendResult("accepted", answer.status, reply)
        return SendResult("temporary", answer.status, reply)

    return post


class RoutingConnection:
    """One batch's way out: HTTP for webhook rows, one SMTP session (opened on demand)
    for mail."""

    def __init__(
        self, smtp: Callable[[], AbstractContextManager[Connection]], post: Poster
    ) -> None:
        self._open_smtp = smtp
        self._post = post
        self._smtp_context: AbstractContextManager[Connection] | None = None
        self._smtp: Connection | None = None
        self._last_was_mail = False

    def __enter__(self) -> RoutingConnection:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._smtp_context is not None:
            self._smtp_context.__exit__(*exc)
            self._smtp_context = self._smtp = None

    def send_wire(
        self, recipient: str, message: bytes, *, while_waiting: Callable[[], None] | None = None
    ) -> SendResult:
        if recipient.startswith(PREFIX):
            self._last_was_mail = False
            result = self._post(json.loads(message))
            if while_waiting is not None:
                while_waiting()
            return result
        smtp = self._smtp or self._start_smtp()
        self._last_was_mail = True
        return smtp.send_wire(recipient, message, while_waiting=while_waiting)

    def _start_smtp(self) -> Connection:
        context = self._open_smtp()
        self._smtp = context.__enter__()
        self._smtp_context = context
        return self._smtp

    def begin_next(self) -> None:
        # Only after a mail: the next MAIL FROM waits harmlessly if a webhook comes first.
        if self._smtp is not None and self._last_was_mail:
            self._smtp.begin_next()

    def reset(self) -> None:
        if self._smtp is not None and self._last_was_mail:
            self._smtp.reset()


class RoutedStore(SqlStore):
    """The outbox store, with the webhook schedule and the endpoints' failure record."""

    def __init__(self, app: Flask, owner: str) -> None:
        super().__init__(app, owner)
        cfg = app.config
        self.offsets = retry_offsets(
            float(cfg["WEBHOOK_BACKOFF_SECONDS"]), float(cfg["WEBHOOK_RETRY_SECONDS"])
        )
        self.pause_after = float(cfg["WEBHOOK_PAUSE_AFTER_SECONDS"])
        # The claim fails rows that used every attempt: webhook rows have their own count.
        self.kind_max_attempts = {WEBHOOK_KIND: len(self.offsets) + 1}
        self.endpoints: dict[int, tuple[int, bool]] = {}  # row id -> (endpoint, failing)

    def mark_sent(self, message: Message, reply: str) -> None:
        super().mark_sent(message, reply)
        endpoint = self.endpoints.pop(message.id, None)
        if endpoint is not None and endpoint[1]:
            deliveries.record_success(self.session, endpoint[0])
            self.session.commit()

    def mark_failed(self, message: Message, reason: str) -> None:
        super().mark_failed(message, reason)
        self._failed_attempt(message, reason)

    def mark_retry(self, message: Message, reason: str) -> bool:
        if message.kind != WEBHOOK_KIND:
            return super().mark_retry(message, reason)
        row = self._row(message)
        due = self._next_attempt(row)
        if due is None:
            outbox.mark_failed(self.session, row.id, self.owner, f"gave up: {reason}")
        else:
            outbox.mark_retry(
                self.session, row, self.owner, reason,
                max_attempts=len(self.offsets) + 1, backoff_seconds=0,
            )  # fmt: skip
            self._reschedule(row.id, due)
        self._failed_attempt(message, reason)
        return due is not None

    def _next_attempt(self, row: OutboxMessage) -> dt.datetime | None:
        """When the next attempt is due, or None when the schedule is over."""
        if row.attempts > len(self.offsets):
            return None
        return row.created_at + dt.timedelta(seconds=self.offsets[row.attempts - 1])

    def _reschedule(self, row_id: int, due: dt.datetime) -> None:
        self.session.execute(
            OutboxMessage.__table__.update()
            .where(
                OutboxMessage.__table__.c.id == row_id, OutboxMessage.__table__.c.status == "queued"
            )
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


def make_sender(app: Flask, owner: str) -> Engine:
    """The outbox sender with both transports (registered by create_app)."""
    store = RoutedStore(app, owner)
    composer = RoutingComposer(
        Composer(app, store, get_registry(app).mail_kinds), WebhookComposer(store)
    )
    post = http_poster(app)
    return Engine(
        store,
        lambda: RoutingConnection(lambda: SmtpConnection.for_app(app), post),
        composer,
        lease_seconds=store.lease,
        rate=float(app.config["SEND_RATE"]),
    )
