"""The delivery engine's Store on the database: every update of an outbox row the sender
makes, through SQLAlchemy.

State machine of a row: queued -> sending (claimed, with a lease) -> sent | bounced |
cancelled, or back to queued with a later next_attempt_at, or failed after the last
attempt. A lease that expires (the sender died) makes the row claimable again.

One batch at a time: `claim` leases due rows (`claim_batch`), loads them with what
renderers need (the claim gave each its Message-ID) and, for the batch's duration, holds the
session renderers read from and a recording connection of its own for `mark_sent`.
DbEngine and DbConnection are SQLAlchemy's (not the delivery engine, not the SMTP
connection).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import Connection as DbConnection
from sqlalchemy import String, case, cast, func, literal, null, select, union_all, update
from sqlalchemy.orm import Session, joinedload, selectinload

from subscribe_service.infra import db
from subscribe_service.infra.config import mail_domain
from subscribe_service.infra.db import get_database, session_scope
from subscribe_service.infra.models import (
    OutboxMessage,
    OutboxStatus,
    Subscriber,
    UTCDateTime,
    utcnow,
)
from subscribe_service.infra.published_site import published_site
from subscribe_service.mail.interfaces import Claim, Message
from subscribe_service.mail.outbox import claimable
from subscribe_service.mail.recorder import MARK_SENT, Recorder, recorder_for, stored_text
from subscribe_service.mail.suppressions import suppress, suppressed_among

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
                skip_locked=self.skip_locked,
                max_attempts=self.max_attempts,
                kind_max_attempts=self.kind_max_attempts,
                message_domain=mail_domain(self.app.config),
            )
            if not batch.ids:
                yield Claim([], batch.gave_up)
                return
            messages = self._load(session, batch.ids)
            self._session = session
            try:
                # The claim and the Message-IDs are committed by now, so the session
                # holds no write lock (SQLite) that the recording connection would wait for.
                with db.recording_connection(self.engine) as connection:
                    self._recorder = recorder_for(connection)
                    yield Claim(messages, batch.gave_up)
                    # Every mark answered before the connection is used for anything else.
                    self._recorder.catch_up()
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
                    # The subscriber (one per row) in the same query: a round trip less
                    # per batch. The notice stays a query of its own: joined, its JSON
                    # would travel and be parsed once per row.
                    joinedload(OutboxMessage.subscriber).selectinload(Subscriber.topics),
                    joinedload(OutboxMessage.subscriber).selectinload(Subscriber.products),
                    selectinload(OutboxMessage.notice),
                )
            )
        )
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
    message_domain: str | None = None,
) -> Batch:
    """Lease up to `limit` due messages to `owner` and commit; return their ids in order.

    One UPDATE ... RETURNING picks, leases and (with `message_domain`) names the rows:
    a row without a Message-ID gets `<nonce.id@domain>`, kept across retries, so a mail
    re-sent after a crash is a duplicate the recipient's mail client can recognise. (Per
    row through the ORM, this was a tenth of the sender's work per mail.)

    On PostgreSQL the rows are picked with FOR UPDATE SKIP LOCKED, so several senders
    share the queue without blocking or double-claiming (FOR UPDATE checks the claim
    condition again on the newest version of each row it locks). On SQLite the
    statement runs under the database's single write lock, which gives the same
    guarantee for senders on one host.

    With `max_attempts`, a picked row that has used them all (its sender died during
    the last one, or the maximum was lowered) is failed instead of tried once more:
    its id is in the batch's `gave_up`. `kind_max_attempts` gives some kinds a maximum
    of their own (webhook deliveries are retried for days).
    """
    now = utcnow()
    if skip_locked:
        picked = _pick_locked(now, limit)
    else:
        picked = _pick(claimable(now), limit).with_only_columns(OutboxMessage.id)
    spent = _spent(max_attempts, kind_max_attempts)

    def unless_spent(value: Any, otherwise: Any) -> Any:
        # Every expression of SET reads the row as it was: `spent` sees the old count.
        return value if spent is None else case((spent, otherwise), else_=value)

    values: dict[str, Any] = {
        "status": unless_spent(literal(OutboxStatus.SENDING.value), OutboxStatus.FAILED.value),
        "lease_owner": unless_spent(literal(owner), null()),
        "lease_until": unless_spent(
            literal(now + dt.timedelta(seconds=lease_seconds), UTCDateTime()), null()
        ),
        "attempts": unless_spent(OutboxMessage.attempts + 1, OutboxMessage.attempts),
    }
    if spent is not None:
        # The last attempt's reason, if it got as far as recording one.
        reason = func.coalesce(OutboxMessage.last_error, _gave_up(max_attempts, kind_max_attempts))
        values["last_error"] = case((spent, reason), else_=OutboxMessage.last_error)
    if message_domain is not None:
        named = (
            literal(f"<{uuid.uuid4().hex}.")
            + cast(OutboxMessage.id, String)
            + literal(f"@{message_domain}>")
        )
        values["message_id"] = unless_spent(
            func.coalesce(OutboxMessage.message_id, named), OutboxMessage.message_id
        )
    rows = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(picked))
        .values(values)
        .returning(OutboxMessage.id, OutboxMessage.status, OutboxMessage.next_attempt_at)
        .execution_options(synchronize_session=False)
    ).all()
    session.commit()
    rows.sort(key=lambda r: (r.next_attempt_at, r.id))
    claimed = [r.id for r in rows if r.status == OutboxStatus.SENDING]
    return Batch(claimed, [r.id for r in rows if r.status == OutboxStatus.FAILED])


def _pick(condition: Any, limit: int) -> Any:
    """The first `limit` rows meeting `condition`, in the order they are due."""
    return (
        select(OutboxMessage.id, OutboxMessage.next_attempt_at)
        .where(condition)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )


def _pick_locked(now: dt.datetime, limit: int) -> Any:
    """The ids of the first `limit` claimable rows, locked, skipping rows another sender
    has locked (PostgreSQL).

    Queued rows and rows whose lease ran out are picked apart, each along the
    (status, next_attempt_at) index, so a claim reads about `limit` rows rather than
    sorting the whole queue; the first `limit` of both together are the batch. Each pick
    is a MATERIALIZED CTE, run once: as a plain IN (subquery), PostgreSQL may run a
    locking subquery again for every row it scans, and beside a second sender's claims
    it then came back empty (that sender stopped while the queue was not). Whatever was
    locked but not taken is unlocked at the claim's commit.
    """
    due = _pick(
        (OutboxMessage.status == OutboxStatus.QUEUED) & (OutboxMessage.next_attempt_at <= now),
        limit,
    )
    expired = _pick(
        (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.lease_until < now),
        limit,
    )
    picks = [
        pick.with_for_update(skip_locked=True).cte(name).prefix_with("MATERIALIZED")
        for name, pick in (("due", due), ("expired", expired))
    ]
    both = union_all(*(select(p.c.id, p.c.next_attempt_at) for p in picks)).subquery()
    return select(both.c.id).order_by(both.c.next_attempt_at, both.c.id).limit(limit)


def _spent(max_attempts: int | None, kind_max_attempts: Mapping[str, int] | None) -> Any:
    """`attempts >= the row's ceiling`, or None without `max_attempts`."""
    if max_attempts is None:
        return None
    ceiling: Any = max_attempts
    if kind_max_attempts:
        ceiling = case(
            *((OutboxMessage.kind == k, n) for k, n in kind_max_attempts.items()),
            else_=max_attempts,
        )
    return OutboxMessage.attempts >= ceiling


def _gave_up(max_attempts: int | None, kind_max_attempts: Mapping[str, int] | None) -> Any:
    reason: Any = literal(f"gave up: all {max_attempts} attempts used")
    if kind_max_attempts:
        reason = case(
            *(
                (OutboxMessage.kind == k, f"gave up: all {n} attempts used")
                for k, n in kind_max_attempts.items()
            ),
            else_=reason,
        )
    return reason


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


def mark_sent_many(session: Session, sent: list[tuple[int, str]], owner: str) -> None:
    """Record several accepted messages ((row id, reply) each) in one transaction: one
    commit for all of them (webhook deliveries, whose answers come back together)."""
    now = utcnow()
    params = [
        {"row_id": row_id, "owner": owner, "sent_at": now, "reply": stored_text(reply)}
        for row_id, reply in sent
    ]
    session.execute(MARK_SENT, params)
    session.commit()


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
