"""The delivery engine's Store on the database: every update of an outbox row the sender
makes, through SQLAlchemy.

State machine of a row: queued -> sending (claimed, with a lease) -> sent | bounced |
cancelled, or back to queued with a later next_attempt_at, or failed after the last
attempt. A lease that expires (the sender died) makes the row claimable again.

One batch at a time: `claim` leases due rows (`claim_batch`), loads them with what
renderers need, gives each its Message-ID and, for the batch's duration, holds the
session renderers read from and a recording connection of its own for `mark_sent`.
DbEngine and DbConnection are SQLAlchemy's (not the delivery engine, not the SMTP
connection).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import Connection as DbConnection
from sqlalchemy import bindparam, case, func, select, update
from sqlalchemy.orm import Session, selectinload

from subscribe_service.infra import db
from subscribe_service.infra.db import get_database, session_scope
from subscribe_service.infra.models import OutboxMessage, OutboxStatus, Subscriber, utcnow
from subscribe_service.infra.published_site import published_site
from subscribe_service.mail.interfaces import Claim, Message
from subscribe_service.mail.message import new_message_id
from subscribe_service.mail.outbox import claimable
from subscribe_service.mail.suppressions import REPLY_MAX, suppress, suppressed_among

_OUTBOX = OutboxMessage.__table__


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
        self.skip_locked = self.engine.dialect.name == "postgresql"
        self._session: Session | None = None
        self._recorder: DbConnection | None = None
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
                skip_locked=self.skip_locked,
                max_attempts=self.max_attempts,
                kind_max_attempts=self.kind_max_attempts,
            )
            if not batch.ids:
                yield Claim([], batch.gave_up)
                return
            messages = self._load(session, batch.ids)
            self._session = session
            try:
                # The claim and the Message-IDs are committed by now, so the session
                # holds no write lock (SQLite) that the recording connection would wait for.
                with db.recording_connection(self.engine) as recorder:
                    self._recorder = recorder
                    yield Claim(messages, batch.gave_up)
            finally:
                self._session = self._recorder = None
                self.suppressed = set()

    def _load(self, session: Session, ids: list[int]) -> list[OutboxMessage]:
        """The claimed rows with what renderers need; which recipients are suppressed."""
        # One query per batch for the rows and what renderers need (subscriber, topics,
        # notice), and one for suppressed addresses, instead of several per message.
        messages = list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .options(
                    selectinload(OutboxMessage.subscriber).selectinload(Subscriber.topics),
                    selectinload(OutboxMessage.subscriber).selectinload(Subscriber.products),
                    selectinload(OutboxMessage.subscriber).selectinload(Subscriber.regions),
                    selectinload(OutboxMessage.notice),
                )
            )
        )
        self.suppressed = suppressed_among(session, [m.recipient for m in messages])
        # Each row keeps its first Message-ID across retries, so a mail re-sent after a
        # crash is a duplicate that the recipient's mail client can recognise.
        for message in messages:
            if message.message_id is None:
                message.message_id = new_message_id(self.app.config)
        session.commit()
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
        mark_sent(self._recorder, message.id, self.owner, reply)

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


@dataclass(frozen=True)
class Batch:
    """What one claim took: the ids leased, in order, and those failed instead (every
    attempt used)."""

    ids: list[int]
    gave_up: list[int]


def claim_batch(
    session: Session,
    *,
    owner: str,
    limit: int,
    lease_seconds: float,
    skip_locked: bool,
    max_attempts: int | None = None,
    kind_max_attempts: Mapping[str, int] | None = None,
) -> Batch:
    """Lease up to `limit` due messages to `owner` and commit; return their ids in order.

    On PostgreSQL the rows are picked with FOR UPDATE SKIP LOCKED, so several senders
    share the queue without blocking or double-claiming. On SQLite the UPDATE re-checks
    the claim condition under the database's single write lock, which gives the same
    guarantee for senders on one host.

    With `max_attempts`, a picked row that has used them all (its sender died during
    the last one, or the maximum was lowered) is failed instead of tried once more:
    its id is in the batch's `gave_up`. `kind_max_attempts` gives some kinds a maximum
    of their own (webhook deliveries are retried for days).
    """
    now = utcnow()
    pick = (
        select(OutboxMessage.id)
        .where(claimable(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if skip_locked:
        pick = pick.with_for_update(skip_locked=True)
    ids = list(session.scalars(pick))
    if not ids:
        session.commit()
        return Batch([], [])
    claim = update(OutboxMessage).where(OutboxMessage.id.in_(ids), claimable(now))
    exhausted: list[int] = []
    if max_attempts is not None:
        ceiling: Any = max_attempts
        gave_up: Any = f"gave up: all {max_attempts} attempts used"
        if kind_max_attempts:
            ceiling = case(
                *((OutboxMessage.kind == k, n) for k, n in kind_max_attempts.items()),
                else_=max_attempts,
            )
            gave_up = case(
                *(
                    (OutboxMessage.kind == k, f"gave up: all {n} attempts used")
                    for k, n in kind_max_attempts.items()
                ),
                else_=gave_up,
            )
        exhausted = list(
            session.scalars(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), claimable(now))
                .where(OutboxMessage.attempts >= ceiling)
                .values(
                    status=OutboxStatus.FAILED,
                    lease_owner=None,
                    lease_until=None,
                    # The last attempt's reason, if it got as far as recording one.
                    last_error=func.coalesce(OutboxMessage.last_error, gave_up),
                )
                .returning(OutboxMessage.id)
                .execution_options(synchronize_session=False)
            )
        )
        claim = claim.where(OutboxMessage.attempts < ceiling)
    session.execute(
        claim.values(
            status=OutboxStatus.SENDING,
            lease_owner=owner,
            lease_until=now + dt.timedelta(seconds=lease_seconds),
            attempts=OutboxMessage.attempts + 1,
        ).execution_options(synchronize_session=False)
    )
    session.commit()
    claimed = session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.lease_owner == owner)
        .where(OutboxMessage.status == OutboxStatus.SENDING)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
    )
    return Batch(list(claimed), exhausted)


def renew_lease(session: Session, ids: list[int], owner: str, lease_seconds: float) -> None:
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.lease_owner == owner,
            OutboxMessage.status == OutboxStatus.SENDING,
        )
        .values(lease_until=utcnow() + dt.timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _finish(session: Session, message_id: int, owner: str, **values: Any) -> bool:
    """Update a leased row only while this sender still holds its lease."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.lease_owner == owner,
            OutboxMessage.status == OutboxStatus.SENDING,
        )
        .values(lease_owner=None, lease_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


# The sender records every accepted mail with this one statement: a Core UPDATE by
# primary key built once (no ORM statement or unit of work per mail), still guarded by
# the lease so a sender that lost its lease records nothing.
_MARK_SENT = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.id == bindparam("row_id"),
        _OUTBOX.c.lease_owner == bindparam("owner"),
        _OUTBOX.c.status == OutboxStatus.SENDING,
    )
    .values(
        status=OutboxStatus.SENT,
        sent_at=bindparam("sent_at", type_=_OUTBOX.c.sent_at.type),
        smtp_reply=bindparam("reply"),
        last_error=None,
        lease_owner=None,
        lease_until=None,
    )
)
def mark_sent(
    target: DbConnection | Session, message_id: int, owner: str, smtp_reply: str
) -> bool:
    """Record one accepted mail, committed at once (a crash loses only the mail in flight).

    `target` is normally a `db.recording_connection` (autocommit: the statement is the
    commit); a Session is committed here. A plain Core statement skips the ORM's
    statement handling, a measurable share of the cost per mail.
    """
    params = {
        "row_id": message_id,
        "owner": owner,
        "sent_at": utcnow(),
        "reply": smtp_reply[:REPLY_MAX],
    }
    result = target.execute(_MARK_SENT, params)
    if isinstance(target, Session):
        target.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_sent_many(session: Session, sent: list[tuple[int, str]], owner: str) -> None:
    """Record several accepted messages ((row id, reply) each) in one transaction: one
    commit for all of them (webhook deliveries, whose answers come back together)."""
    now = utcnow()
    params = [
        {"row_id": row_id, "owner": owner, "sent_at": now, "reply": reply[:REPLY_MAX]}
        for row_id, reply in sent
    ]
    session.execute(_MARK_SENT, params)
    session.commit()


def mark_failed(session: Session, message_id: int, owner: str, error: str) -> bool:
    return _finish(
        session, message_id, owner, status=OutboxStatus.FAILED, last_error=error[:REPLY_MAX]
    )


def mark_cancelled(session: Session, message_id: int, owner: str, reason: str) -> bool:
    return _finish(
        session, message_id, owner, status=OutboxStatus.CANCELLED, last_error=reason[:REPLY_MAX]
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
            session, message.id, owner, status=OutboxStatus.FAILED, last_error=error[:REPLY_MAX]
        )
        return OutboxStatus.FAILED
    delay = backoff_seconds * (2 ** max(message.attempts - 1, 0))
    _finish(
        session,
        message.id,
        owner,
        status=OutboxStatus.QUEUED,
        next_attempt_at=utcnow() + dt.timedelta(seconds=delay),
        last_error=error[:REPLY_MAX],
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
        smtp_reply=reply[:REPLY_MAX],
        last_error=None,
    )
