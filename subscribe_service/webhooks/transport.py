"""Webhooks as the delivery engine's second transport, beside SMTP.

A delivery is an outbox row of kind `webhook` whose recipient is `webhook:<endpoint
id>`, so it is claimed, leased, retried and recorded by the same engine and store as a
mail (mail/engine.py): at least once, every answer recorded. Three parts route by row:

- `RoutingComposer`: mail rows go to the mail Composer; a webhook row is posted unless
  its endpoint is gone or paused (then it is settled without a request).
- `RoutingConnection`: a webhook row's request (Standard Webhooks headers: the
  delivery's fixed webhook-id, the attempt's timestamp and signature) is POSTed through
  outbound.py, several at once; a mail goes to an SMTP session opened when the batch's
  first mail needs it. Every HTTP outcome is that delivery's own (a 5xx or a timeout is
  retried; a refused URL fails the delivery), so an endpoint that is down never sends
  the rest of the batch back to the queue.
- `RoutedStore` (store.py): the outbox store with the webhook retry schedule and the
  endpoints' failure record.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager
from functools import lru_cache
from typing import Any

from flask import Flask
from standardwebhooks.webhooks import Webhook

from subscribe_service.infra.models import utcnow
from subscribe_service.mail.compose import Composer
from subscribe_service.mail.engine import Engine
from subscribe_service.mail.interfaces import (
    Action,
    Connection,
    Message,
    Prepared,
    SendResult,
    Settle,
)
from subscribe_service.mail.smtp import SmtpConnection
from subscribe_service.registry import get_registry
from subscribe_service.webhooks import deliveries, outbound
from subscribe_service.webhooks.models import WEBHOOK_KIND, EndpointStatus
from subscribe_service.webhooks.store import PREFIX, RoutedStore, WebhookRow

log = logging.getLogger("subscribe_service.mail.sender")

USER_AGENT = "trustsite-webhooks/1"


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
    """Whether a claimed webhook row is posted. What goes to the connection is only the
    row's id: the connection builds and signs the request from the batch's targets when
    it starts it (possibly ahead of the engine), once."""

    def __init__(self, store: RoutedStore) -> None:
        self.store = store

    def prepare(self, message: WebhookRow) -> Prepared:
        found = self.store.targets.get(message.id)
        if found is None:
            return Settle(Action.CANCELLED, "the endpoint was deleted")
        if found.status != EndpointStatus.ACTIVE:
            return Settle(Action.CANCELLED, deliveries.HELD)
        self.store.endpoints[message.id] = (found.endpoint_id, found.failing)
        return str(message.id).encode("ascii")


def request_for(target: WebhookRow, lookups: outbound.Lookups) -> dict[str, Any]:
    """The POST for one delivery: url, signed headers (this attempt's timestamp), body,
    and the batch's checked addresses."""
    return {
        "url": target.url,
        "headers": signed_headers(target.secret, target.event_id, target.body, utcnow()),
        "body": target.body,
        "lookups": lookups,
    }


class RoutingComposer:
    def __init__(self, mail: Composer, webhooks: WebhookComposer) -> None:
        self.mail = mail
        self.webhooks = webhooks

    def prepare(self, message: Message) -> Prepared:
        if message.kind == WEBHOOK_KIND:
            assert isinstance(message, WebhookRow)
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
                lookups=request["lookups"],
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
    for mail.

    Webhook POSTs overlap: when one is due, the webhook rows after it are queued on the
    store's thread pool, whose WEBHOOK_CONCURRENCY threads post them in the batch's
    order, and each answer is still handed to the engine in that order, to be recorded.
    Without a rate limit the rest of the batch is queued at once, so the threads never
    wait for the engine; under SEND_RATE only the next WEBHOOK_CONCURRENCY - 1 are, so
    the rate still holds. Either way at most WEBHOOK_CONCURRENCY requests are under way:
    an endpoint that takes its full timeout holds up the others only once per window,
    not once per row, and a crash can repeat at most that many deliveries, under their
    same webhook-id (receivers deduplicate on it: docs/webhooks.md). A request is built
    and signed when a thread starts it, so its timestamp is the attempt's. What is
    still queued when the batch ends early is never posted."""

    def __init__(
        self,
        smtp: Callable[[], AbstractContextManager[Connection]],
        post: Poster,
        store: RoutedStore,
        *,
        rate_limited: bool = False,
    ) -> None:
        self._open_smtp = smtp
        self._post = post
        self._store = store
        self._rate_limited = rate_limited
        self._started: dict[int, Future[SendResult]] = {}
        self._queued_to = 0  # store.order[:_queued_to] has been queued (or skipped)
        self._lookups: outbound.Lookups = {}  # hosts checked in this batch
        self._smtp_context: AbstractContextManager[Connection] | None = None
        self._smtp: Connection | None = None
        self._last_was_mail = False

    def __enter__(self) -> RoutingConnection:
        return self

    def __exit__(self, *exc: Any) -> None:
        for left in self._started.values():
            left.cancel()  # not started yet: the rows go back with the rest of the batch
        self._started = {}
        if self._smtp_context is not None:
            self._smtp_context.__exit__(*exc)
            self._smtp_context = self._smtp = None

    def send_wire(
        self, recipient: str, message: bytes, *, while_waiting: Callable[[], None] | None = None
    ) -> SendResult:
        if recipient.startswith(PREFIX):
            self._last_was_mail = False
            row_id = int(message)
            self._queue_from(row_id)
            started = self._started.pop(row_id, None)
            if started is None:  # not one of the batch's rows as loaded: post it alone
                started = self._queue(self._store.targets[row_id])
            if while_waiting is not None:
                while_waiting()
            return started.result()
        smtp = self._smtp or self._start_smtp()
        self._last_was_mail = True
        return smtp.send_wire(recipient, message, while_waiting=while_waiting)

    def _queue_from(self, row_id: int) -> None:
        """Queue the POSTs of `row_id` and the webhook rows after it, up to the window."""
        store = self._store
        first = store.position.get(row_id)
        if first is None:
            return
        end = first + store.concurrency if self._rate_limited else len(store.order)
        for row in store.order[max(self._queued_to, first) : end]:
            target = store.targets.get(row)
            if target is not None and target.status == EndpointStatus.ACTIVE:
                self._started[row] = self._queue(target)
            # else: the composer settles the row without a POST
        self._queued_to = max(self._queued_to, end)

    def _queue(self, target: WebhookRow) -> Future[SendResult]:
        return self._store.pool.submit(self._sign_and_post, target)

    def _sign_and_post(self, target: WebhookRow) -> SendResult:
        return self._post(request_for(target, self._lookups))

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


def make_sender(app: Flask, owner: str) -> Engine:
    """The outbox sender with both transports (registered by create_app)."""
    store = RoutedStore(app, owner)
    composer = RoutingComposer(
        Composer(app, store, get_registry(app).mail_kinds), WebhookComposer(store)
    )
    post = http_poster(app)
    rate = float(app.config["SEND_RATE"])
    return Engine(
        store,
        lambda: RoutingConnection(
            lambda: SmtpConnection.for_app(app), post, store, rate_limited=rate > 0
        ),
        composer,
        lease_seconds=store.lease,
        rate=rate,
    )
