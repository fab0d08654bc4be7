"""The delivery engine's Store on the database: every update of an outbox row the sender
makes, through SQLAlchemy.

State machine of a row: queued -> sending (claimed, with a lease) -> sent | bounced |
cancelled, or back to queued with a later next_attempt_at, or failed after the last
attempt. A lease that expires (the sender died) makes the row claimable again.

One batch at a time: `claim` leases due rows (`claim_batch`, claim.py, which also
gives each its Message-ID), loads them with what renderers need and, for the batch's
duration, holds the session renderers read from and a recorder of its own for `mark_sent`
(recorder.py).
DbConnection is SQLAlchemy's (not the delivery engine's, not the SMTP connection).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import Connection as DbConnection
from sqlalchemy import literal, select, union_all, update
from sqlalchemy.orm import Session, joinedload, selectinload

from subscribe_service.infra import db
from subscribe_service.infra.config import mail_domain
from subscribe_service.infra.db import get_database, one_of, session_scope
from subscribe_service.infra.models import (
    OutboxMessage,
    OutboxStatus,
    Scopes,
    SubscriberProduct,
    SubscriberRegion,
    SubscriberTopic,
    utcnow,
)
from subscribe_service.infra.published_site import published_site
from subscribe_service.mail.claim import claim_batch
from subscribe_service.mail.interfaces import Claim, Message
from subscribe_service.mail.recorder import MARK_SENT, Recorder, recorder_for, stored_text
from subscribe_service.mail.suppressions import suppress, suppressed_among

_OUTBOX = OutboxMessage.__table__
log = logging.getLogger("subscribe_service.mail.sender")


class SqlStore:
    def __init__(self, app: Flask, owner: str) -> None:
        cfg = app.config
        self.app = app
        self.owner = owner
        self.batch_size = int(cfg["SEND_BATCH_SIZE"])
        self.max_attempts = int(cfg["SEND_MAX_ATTEMPTS"])
        self.backoff = float(cfg["SEND_BACKOFF_SECONDS"])
        self.lease = float(cfg["SEND_LEASE_SECONDS"])
        self.engine = get_database(app).engine
        self.postgresql = self.engine.dialect.name == "postgresql"
        self._session: Session | None = None
        self._recorder: Recorder | None = None
        self.suppressed: set[str] = set()  # address keys among the batch's recipients
        self.kind_max_attempts: dict[str, int] = {}  # kinds with a maximum of their own

    @property
    def session(self) -> Session:
        """The session of the batch under way (renderers read through it)."""
        assert self._session is not None, "only while a batch is claimed"
        return self._session

    @contextmanager
    def claim(self) -> Iterator[Claim]:
        with self.app.app_context(), session_scope(self.app) as session:
            batch = claim_batch(
                session,
                owner=self.owner,
                limit=self.batch_size,
                lease_seconds=self.lease,
                skip_locked=self.postgresql,  # FOR UPDATE SKIP LOCKED is PostgreSQL's
                max_attempts=self.max_attempts,
                kind_max_attempts=self.kind_max_attempts,
                message_domain=mail_domain(self.app.config),
            )
            if not batch.ids:
                yield Claim([], batch.gave_up)
                return
            with ExitStack() as batch_scope:
                try:
                    messages = self._load(session, batch.ids)
                    # The claim and the Message-IDs are committed by now, so the session
                    # holds no write lock (SQLite) that this connection would wait for.
                    connection = batch_scope.enter_context(db.recording_connection(self.engine))
                    self._recorder = recorder_for(connection)
                except Exception as err:
                    self._give_back(session, batch.ids, err)
                    raise
                self._session = session
                try:
                    yield Claim(messages, batch.gave_up)
                    # Every mark answered before the connection is used for anything else.
                    self._recorder.catch_up()
                finally:
                    self._session = self._recorder = None
                    self.suppressed = set()

    def _give_back(self, session: Session, ids: list[int], err: Exception) -> None:
        """The batch was claimed but could not be read (the database failed between the
        two): its rows go back to the queue now, due after the backoff, rather than
        staying leased until the lease runs out (SEND_LEASE_SECONDS, minutes). The
        attempt stays counted, so a batch that can never be read still ends failed."""
        self._recorder = None
        self.suppressed = set()
        try:
            session.rollback()
            reason = f"reading the batch failed: {err!r}"
            retry_later(session, ids, self.owner, self.backoff, reason)
        except Exception:  # the database is still away: the leases run out instead
            log.exception("could not give back %d claimed message(s)", len(ids))

    def _load(self, session: Session, ids: list[int]) -> list[OutboxMessage]:
        """The claimed rows with what renderers need; which recipients are suppressed."""
        # One query per batch for the rows and what renderers need (subscriber, notice),
        # one for the subscribers' topics, products and regions, and one for suppressed
        # addresses, instead of several per message.
        messages = list(session.scalars(_BATCH_ROWS[self.postgresql], {"ids": ids}))
        _preload_scopes(session, messages, self.postgresql)
        self.suppressed = suppressed_among(session, [m.recipient for m in messages])
        session.commit()  # nothing written: ends the read transaction
        # The company's name and sender come from the built site's service.json: a sender
        # running for weeks picks up a new build before each batch (one stat if unchanged).
        published_site(self.app).peek()
        return messages

    def renew_lease(self, messages: Sequence[Message]) -> None:
        renew_lease(self.session, [m.id for m in messages], self.owner, self.lease)

    def mark_sent(self, message: Message, reply: str) -> None:
        if self.session.in_transaction():
            # A step before rendering wrote (a confirm mail records the subscribe
            # request it answers): commit that first, or the recording connection would
            # wait for the session's locks (SQLite's write lock, PostgreSQL's lock on
            # the outbox row), and the sender with it.
            self.session.commit()
        assert self._recorder is not None
        self._recorder.record(message.id, self.owner, reply)

    def catch_up(self) -> None:
        """Every mail recorded as sent so far is committed (see recorder.py); the
        composer calls it before rendering, so a renderer sees every earlier mark."""
        if self._recorder is not None:
            self._recorder.catch_up()

    def mark_failed(self, message: Message, reason: str) -> None:
        mark_failed(self.session, message.id, self.owner, reason)

    def mark_cancelled(self, message: Message, reason: str) -> None:
        mark_cancelled(self.session, message.id, self.owner, reason)

    def mark_bounced(self, message: Message, reply: str) -> None:
        mark_bounced(self.session, self._row(message), self.owner, reply)
        self.session.commit()

    def mark_retry(self, message: Message, reason: str) -> bool:
        state = mark_retry(
            self.session,
            self._row(message),
            self.owner,
            reason,
            max_attempts=self.max_attempts,
            backoff_seconds=self.backoff,
        )
        return state == OutboxStatus.QUEUED

    def discard(self) -> None:
        self.session.rollback()

    @staticmethod
    def _row(message: Message) -> OutboxMessage:
        assert isinstance(message, OutboxMessage)
        return message


# The claimed rows, in order, with what renderers need: the subscriber (one per row) in
# the same query, a round trip less per batch; the notice in a query of its own (joined,
# its JSON would travel and be parsed once per row). By dialect: {postgresql: statement}.
_BATCH_ROWS = {
    postgresql: select(OutboxMessage)
    .where(one_of(OutboxMessage.id, "ids", postgresql))
    .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
    .options(joinedload(OutboxMessage.subscriber), selectinload(OutboxMessage.notice))
    for postgresql in (False, True)
}

# Every topic, product and region of a set of subscribers, in one query: (subscriber,
# which of the three, value). By dialect, as above.
_SCOPE_ROWS = {
    postgresql: union_all(
        *(
            select(table.subscriber_id, literal(n), column).where(
                one_of(table.subscriber_id, "ids", postgresql)
            )
            for n, (table, column) in enumerate(
                (
                    (SubscriberTopic, SubscriberTopic.topic),
                    (SubscriberProduct, SubscriberProduct.product),
                    (SubscriberRegion, SubscriberRegion.region),
                )
            )
        )
    )
    for postgresql in (False, True)
}


def _preload_scopes(session: Session, messages: Sequence[OutboxMessage], postgresql: bool) -> None:
    """Each batch subscriber's topics, products and regions, read in one query and set
    on the subscriber (`Subscriber.preload_scopes`): selectin-loading the three
    collections instead was three queries and three ORM collections per subscriber, a
    fifth of the sender's work."""
    subscribers = {m.subscriber.id: m.subscriber for m in messages if m.subscriber is not None}
    if not subscribers:
        return
    found = {subscriber_id: Scopes([], [], []) for subscriber_id in subscribers}
    rows = session.execute(_SCOPE_ROWS[postgresql], {"ids": list(subscribers)})
    for subscriber_id, which, value in rows:
        found[subscriber_id][which].append(value)
    for subscriber_id, subscriber in subscribers.items():
        subscriber.preload_scopes(found[subscriber_id])


def retry_later(session: Session, ids: list[int], owner: str, delay: float, reason: str) -> None:
    """Rows this sender holds back to the queue, due in `delay` seconds."""
    _update_held(
        session,
        ids,
        owner,
        status=OutboxStatus.QUEUED,
        next_attempt_at=utcnow() + dt.timedelta(seconds=delay),
        last_error=stored_text(reason),
        lease_owner=None,
        lease_until=None,
    )


def renew_lease(session: Session, ids: list[int], owner: str, lease_seconds: float) -> None:
    _update_held(session, ids, owner, lease_until=utcnow() + dt.timedelta(seconds=lease_seconds))


def _update_held(session: Session, ids: list[int], owner: str, **values: Any) -> bool:
    """Update the rows among `ids` this sender still holds (leased to it), and commit;
    whether any was."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.lease_owner == owner,
            OutboxMessage.status == OutboxStatus.SENDING,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _finish(session: Session, message_id: int, owner: str, **values: Any) -> bool:
    """Update a leased row only while this sender still holds its lease; the lease ends."""
    return _update_held(session, [message_id], owner, lease_owner=None, lease_until=None, **values)


def mark_sent(target: DbConnection | Session, message_id: int, owner: str, smtp_reply: str) -> bool:
    """Record one accepted mail, committed at once (a crash loses only the mail in flight).

    `target` is normally a `db.recording_connection` (autocommit: the statement is the
    commit); a Session is committed here. A plain Core statement skips the ORM's
    statement handling, a measurable share of the cost per mail.
    """
    params = {
        "row_id": message_id,
        "owner": owner,
        "sent_at": utcnow(),
        "reply": stored_text(smtp_reply),
    }
    result = target.execute(MARK_SENT, params)
    if isinstance(target, Session):
        target.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_failed(session: Session, message_id: int, owner: str, error: str) -> bool:
    return _finish(
        session, message_id, owner, status=OutboxStatus.FAILED, last_error=stored_text(error)
    )


def mark_cancelled(session: Session, message_id: int, owner: str, reason: str) -> bool:
    return _finish(
        session, message_id, owner, status=OutboxStatus.CANCELLED, last_error=stored_text(reason)
    )


def mark_retry(
    session: Session,
    message: OutboxMessage,
    owner: str,
    error: str,
    *,
    max_attempts: int,
    backoff_seconds: float,
) -> OutboxStatus:
    """Back to the queue with exponential backoff, or `failed` after the last attempt."""
    if message.attempts >= max_attempts:
        _finish(
            session, message.id, owner, status=OutboxStatus.FAILED, last_error=stored_text(error)
        )
        return OutboxStatus.FAILED
    delay = backoff_seconds * (2 ** max(message.attempts - 1, 0))
    _finish(
        session,
        message.id,
        owner,
        status=OutboxStatus.QUEUED,
        next_attempt_at=utcnow() + dt.timedelta(seconds=delay),
        last_error=stored_text(error),
    )
    return OutboxStatus.QUEUED


def mark_bounced(session: Session, message: OutboxMessage, owner: str, reply: str) -> None:
    """A permanent refusal: this row is bounced and the address is never mailed again."""
    suppress(session, message.recipient, reply)
    _finish(
        session,
        message.id,
        owner,
        status=OutboxStatus.BOUNCED,
        smtp_reply=stored_text(reply),
        last_error=None,
    )
