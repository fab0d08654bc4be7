"""Webhooks as the delivery engine's second transport, beside SMTP.

A delivery is an outbox row of kind `webhook` whose recipient is `webhook:<endpoint
id>`, so it is claimed, leased, retried and recorded by the same engine and store as a
mail (mail/engine.py): at least once, every answer recorded. Three parts route by row:

- `RoutingComposer`: mail rows go to the mail Composer; a webhook row is posted unless
  its endpoint is gone or paused (then it is settled without a request).
- `RoutingConnection`: a webhook row's request (Standard Webhooks headers: the
  delivery's fixed webhook-id, the attempt's timestamp and signature) is POSTed by
  multipost.py under outbound.py's rules, several at once; a mail goes to the SMTP
  sessions (mail/sessions.py) opened when the batch's first mail needs them. Every
  HTTP outcome is that delivery's own (a 5xx or a timeout is retried; a refused URL
  fails the delivery), so an endpoint that is down never sends the rest of the batch
  back to the queue.
- `RoutedStore` (store.py): the outbox store with the webhook retry schedule and the
  endpoints' failure record.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import deque
from collections.abc import Callable
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
from subscribe_service.mail.sessions import smtp_sessions
from subscribe_service.registry import get_registry
from subscribe_service.webhooks import deliveries, multipost, outbound
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


def request_for(target: WebhookRow) -> multipost.Request:
    """The POST for one delivery: url, body, signed headers (this attempt's timestamp)."""
    headers = signed_headers(target.secret, target.event_id, target.body, utcnow())
    return target.url, target.body.encode("utf-8"), headers


class RoutingComposer:
    def __init__(self, mail: Composer, webhooks: WebhookComposer) -> None:
        self.mail = mail
        self.webhooks = webhooks

    def prepare(self, message: Message) -> Prepared:
        if message.kind == WEBHOOK_KIND:
            assert isinstance(message, WebhookRow)
            return self.webhooks.prepare(message)
        return self.mail.prepare(message)


def outcome(answer: Callable[[], outbound.Answer]) -> SendResult:
    """What the engine records for one POST's answer (or its failure)."""
    try:
        got = answer()
    except outbound.Refused as err:
        # The address became private (or the operator's allow list changed): the same
        # request would be refused again, so the delivery fails at once.
        return SendResult("permanent", 0, f"refused: {err}", stage="data")
    except OSError as err:
        return SendResult("temporary", 0, f"no answer: {err}")
    reply = got.reason or ""
    if 200 <= got.status < 300:
        return SendResult("accepted", got.status, reply)
    return SendResult("temporary", got.status, reply)


class RoutingConnection:
    """One batch's way out: HTTP for webhook rows, SMTP sessions (opened on demand) for
    mail.

    Webhook POSTs overlap (multipost.py: one selector on this thread): when one is due,
    the webhook rows after it are queued, at most WEBHOOK_CONCURRENCY are under way at
    once, in the batch's order, and their answers are handed to the engine in that
    order, to be recorded. Without a rate limit the rest of the batch is queued at once;
    under SEND_RATE only the next WEBHOOK_CONCURRENCY - 1 are, so the rate still holds.
    An endpoint that takes its full timeout holds up the others only once per window,
    not once per row, and a crash can repeat at most that many deliveries, under their
    same webhook-id (receivers deduplicate on it: docs/webhooks.md). A request is built
    and signed when it starts, so its timestamp is the attempt's. What is still queued
    or under way when the batch ends early is dropped, never posted later."""

    def __init__(
        self,
        smtp: Callable[[], AbstractContextManager[Connection]],
        posts: Callable[[], multipost.MultiPost],
        store: RoutedStore,
        *,
        rate_limited: bool = False,
    ) -> None:
        self._open_smtp = smtp
        self._open_posts = posts
        self._posts: multipost.MultiPost | None = None
        self._store = store
        self._rate_limited = rate_limited
        self._queued_to = 0  # store.order[:_queued_to] has been queued (or skipped)
        self._smtp: Connection | None = None
        self._smtp_context: AbstractContextManager[Connection] | None = None
        self._webhooks: deque[int] = deque()  # started webhook rows, not answered yet

    def __enter__(self) -> RoutingConnection:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._posts is not None:
            self._posts.close()
            self._posts = None
        if self._smtp_context is not None:
            self._smtp_context.__exit__(*exc)
            self._smtp_context = self._smtp = None

    def has_room(self, recipient: str) -> bool:
        if recipient.startswith(PREFIX):
            # Without a rate limit multipost keeps to WEBHOOK_CONCURRENCY itself. Under
            # one, a window's answers are taken before the next rows start: the POSTs
            # go out only while answers are awaited, so a batch started in full first
            # would post nothing until its end, then all of it at once.
            return not self._rate_limited or len(self._webhooks) < self._store.concurrency
        return (self._smtp or self._start_smtp()).has_room(recipient)

    def start(self, key: int, recipient: str, message: bytes) -> None:
        if not recipient.startswith(PREFIX):
            (self._smtp or self._start_smtp()).start(key, recipient, message)
            return
        row_id = int(message)
        posts = self._posts or self._start_posts()
        self._queue_from(posts, row_id)
        if row_id not in posts:  # not one of the batch's rows as loaded: post it alone
            self._queue(posts, self._store.targets[row_id])
        self._webhooks.append(key)

    def next_answer(
        self, *, while_waiting: Callable[[], None] | None = None
    ) -> tuple[int, SendResult]:
        if not self._webhooks:
            assert self._smtp is not None, "next_answer with nothing started"
            return self._smtp.next_answer(while_waiting=while_waiting)
        key = self._webhooks.popleft()
        if while_waiting is not None:
            while_waiting()
        posts = self._posts
        assert posts is not None
        return key, outcome(lambda: posts.result(key))

    def _queue_from(self, posts: multipost.MultiPost, row_id: int) -> None:
        """Queue the POSTs of `row_id` and the webhook rows after it, up to the window."""
        store = self._store
        first = store.position.get(row_id)
        if first is None:
            return
        end = first + store.concurrency if self._rate_limited else len(store.order)
        for row in store.order[max(self._queued_to, first) : end]:
            target = store.targets.get(row)
            if target is not None and target.status == EndpointStatus.ACTIVE:
                self._queue(posts, target)
            # else: the composer settles the row without a POST
        self._queued_to = max(self._queued_to, end)

    @staticmethod
    def _queue(posts: multipost.MultiPost, target: WebhookRow) -> None:
        posts.add(target.id, lambda: request_for(target))

    def _start_posts(self) -> multipost.MultiPost:
        self._posts = self._open_posts()
        return self._posts

    def _start_smtp(self) -> Connection:
        context = self._open_smtp()
        self._smtp = context.__enter__()
        self._smtp_context = context
        return self._smtp


def make_sender(app: Flask, owner: str) -> Engine:
    """The outbox sender with both transports (registered by create_app)."""
    store = RoutedStore(app, owner)
    composer = RoutingComposer(
        Composer(app, store, get_registry(app).mail_kinds), WebhookComposer(store)
    )
    cfg = app.config
    rate = float(cfg["SEND_RATE"])

    def posts() -> multipost.MultiPost:
        return multipost.MultiPost(
            limit=store.concurrency,
            allow_hosts=outbound.allow_list(cfg["WEBHOOK_ALLOW_HOSTS"]),
            connect_timeout=float(cfg["WEBHOOK_CONNECT_TIMEOUT"]),
            total_timeout=float(cfg["WEBHOOK_TIMEOUT"]),
        )

    smtp = smtp_sessions(app)
    return Engine(
        store,
        lambda: RoutingConnection(smtp, posts, store, rate_limited=rate > 0),
        composer,
        lease_seconds=store.lease,
        rate=rate,
    )
