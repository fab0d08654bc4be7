"""The database outbox: every mail is a row first, and only the sender talks SMTP.

State machine of a row: queued -> sending (claimed, with a lease) -> sent | bounced |
cancelled, or back to queued with a later next_attempt_at, or failed after the last
attempt. A lease that expires (the sender died) makes the row claimable again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Connection, Engine, and_, bindparam, case, func, or_, select, text, update
from sqlalchemy.orm import Session

from subscribe_service.infra.db import get_statements_engine, write_lock
from subscribe_service.infra.models import OutboxMessage, Suppression, utcnow
from subscribe_service.mail.groupcommit import GroupCommit
from subscribe_service.web.validation import address_key

REPLY_MAX = 1000
_OUTBOX = OutboxMessage.__table__
_WRITER = "trustsite.outbox_writer"
# What a newly queued row sets; the database fills in the rest (id, NULLs).
_QUEUED_COLUMNS = (
    "kind", "recipient", "payload", "status", "attempts", "next_attempt_at", "created_at",
)  # fmt: skip


def _refuse_line_breaks(recipient: str) -> None:
    if "\r" in recipient or "\n" in recipient:
        raise ValueError("line breaks are not allowed in a recipient address")


def enqueue(
    session: Session,
    *,
    kind: str,
    recipient: str,
    payload: dict[str, Any],
    subscriber_id: int | None = None,
    notice_id: int | None = None,
) -> OutboxMessage:
    """Add a mail to the outbox (flushed, not committed: it commits with the caller's work)."""
    _refuse_line_breaks(recipient)
    message = OutboxMessage(
        kind=kind,
        recipient=recipient,
        payload=payload,
        subscriber_id=subscriber_id,
        notice_id=notice_id,
        status="queued",
        attempts=0,
        next_attempt_at=utcnow(),
    )
    session.add(message)
    session.flush()
    return message


def init_app(app: Flask) -> None:
    """The web's outbox writer: requests' inserts grouped into shared commits."""
    engine = get_statements_engine(app)
    app.extensions[_WRITER] = GroupCommit(
        engine, _OUTBOX, _QUEUED_COLUMNS, turn=lambda: write_lock(engine)
    )


def writer(app: Flask) -> GroupCommit:
    return app.extensions[_WRITER]  # type: ignore[no-any-return]


def enqueue_now(*, kind: str, recipient: str, payload: dict[str, Any], ticket: Any = None) -> None:
    """`enqueue` for the hot API path: the row is committed when this returns.

    No session and no ORM object: the row goes to the app's group-commit writer, which
    inserts it (with those of concurrent requests) through the autocommit engine.
    `ticket` is what the writer's admission (the rate limits) counts the request under;
    a refusal is raised here and nothing is written.
    """
    _refuse_line_breaks(recipient)
    now = utcnow()
    row = {
        "kind": kind,
        "recipient": recipient,
        "payload": payload,
        "status": "queued",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    writer(current_app).insert(row, ticket)


def claimable(now: dt.datetime):  # type: ignore[no-untyped-def]
    """The rows a sender may claim at `now`: queued and due, or leased by a sender that
    let its lease run out."""
    return or_(
        and_(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.lease_until < now),
    )


def claim_batch(
    session: Session,
    *,
    owner: str,
    limit: int,
    lease_seconds: float,
    skip_locked: bool,
    max_attempts: int | None = None,
    gave_up: list[int] | None = None,
    kind_max_attempts: Mapping[str, int] | None = None,
) -> list[int]:
    """Lease up to `limit` due messages to `owner` and commit; return their ids in order.

    On PostgreSQL the rows are picked with FOR UPDATE SKIP LOCKED, so several senders
    share the queue without blocking or double-claiming. On SQLite the UPDATE re-checks
    the claim condition under the database's single write lock, which gives the same
    guarantee for senders on one host.

    With `max_attempts`, a picked row that has used them all (its sender died during
    the last one, or the maximum was lowered) is failed instead of tried once more;
    its id is appended to `gave_up`. `kind_max_attempts` gives some kinds a maximum of
    their own (webhook deliveries are retried for days).
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
        return []
    claim = update(OutboxMessage).where(OutboxMessage.id.in_(ids), claimable(now))
    if max_attempts is not None:
        ceiling: Any = max_attempts
        if kind_max_attempts:
            ceiling = case(
                *((OutboxMessage.kind == k, n) for k, n in kind_max_attempts.items()),
                else_=max_attempts,
            )
        exhausted = list(
            session.scalars(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), claimable(now))
                .where(OutboxMessage.attempts >= ceiling)
                .values(
                    status="failed",
                    lease_owner=None,
                    lease_until=None,
                    # The last attempt's reason, if it got as far as recording one.
                    last_error=func.coalesce(
                        OutboxMessage.last_error, f"gave up: all {max_attempts} attempts used"
                    ),
                )
                .returning(OutboxMessage.id)
                .execution_options(synchronize_session=False)
            )
        )
        if gave_up is not None:
            gave_up.extend(exhausted)
        claim = claim.where(OutboxMessage.attempts < ceiling)
    session.execute(
        claim.values(
            status="sending",
            lease_owner=owner,
            lease_until=now + dt.timedelta(seconds=lease_seconds),
            attempts=OutboxMessage.attempts + 1,
        ).execution_options(synchronize_session=False)
    )
    session.commit()
    claimed = session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.lease_owner == owner)
        .where(OutboxMessage.status == "sending")
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
    )
    return list(claimed)


def renew_lease(session: Session, ids: list[int], owner: str, lease_seconds: float) -> None:
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.lease_owner == owner,
            OutboxMessage.status == "sending",
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
            OutboxMessage.status == "sending",
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
        _OUTBOX.c.status == "sending",
    )
    .values(
        status="sent",
        sent_at=bindparam("sent_at", type_=_OUTBOX.c.sent_at.type),
        smtp_reply=bindparam("reply"),
        last_error=None,
        lease_owner=None,
        lease_until=None,
    )
)
_ASYNC_COMMIT = text("SET synchronous_commit = off")
_SYNC_COMMIT = text("RESET synchronous_commit")


@contextmanager
def recording_connection(engine: Engine) -> Iterator[Connection]:
    """A connection of the sender's own for `mark_sent`: autocommit, one statement a mail.

    Each UPDATE is its own transaction, committed by the server as it runs: one round
    trip per sent mail instead of BEGIN, UPDATE and COMMIT. It is separate from the
    session holding the batch, whose transaction would otherwise have to commit too.

    On PostgreSQL these commits do not wait for the WAL flush (synchronous_commit off,
    set once for this connection and reset before it goes back to the pool). Each row
    is still committed and visible at once, and a crash of the sender loses nothing;
    only a crash of the database server itself within the next fraction of a second
    (3 x wal_writer_delay at most) can undo the last few "sent" marks. Those rows then
    go back to the queue when their lease expires and are re-sent with the same
    Message-ID: a possible duplicate, never a lost mail, which is the same side the
    lease design errs on for the mail in flight. Waiting for the flush instead costs a
    disk sync per mail and is most of the sender's time on PostgreSQL. On SQLite (WAL,
    synchronous=NORMAL, see db.make_engine) a commit needs no sync either.
    """
    with engine.connect() as base:
        connection = base.execution_options(isolation_level="AUTOCOMMIT")
        postgresql = connection.dialect.name == "postgresql"
        if postgresql:
            connection.execute(_ASYNC_COMMIT)
        try:
            yield connection
        except BaseException:
            # Not known to be usable: drop it rather than hand its setting to the pool.
            connection.invalidate()
            raise
        if postgresql:
            connection.execute(_SYNC_COMMIT)


def mark_sent(target: Connection | Session, message_id: int, owner: str, smtp_reply: str) -> bool:
    """Record one accepted mail, committed at once (a crash loses only the mail in flight).

    `target` is normally a `recording_connection` (autocommit: the statement is the
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
    return _finish(session, message_id, owner, status="failed", last_error=error[:REPLY_MAX])


def mark_cancelled(session: Session, message_id: int, owner: str, reason: str) -> bool:
    return _finish(session, message_id, owner, status="cancelled", last_error=reason[:REPLY_MAX])


def mark_retry(
    session: Session,
    message: OutboxMessage,
    owner: str,
    error: str,
    *,
    max_attempts: int,
    backoff_seconds: float,
) -> str:
    """Back to the queue with exponential backoff, or `failed` after the last attempt."""
    if message.attempts >= max_attempts:
        _finish(session, message.id, owner, status="failed", last_error=error[:REPLY_MAX])
        return "failed"
    delay = backoff_seconds * (2 ** max(message.attempts - 1, 0))
    _finish(
        session,
        message.id,
        owner,
        status="queued",
        next_attempt_at=utcnow() + dt.timedelta(seconds=delay),
        last_error=error[:REPLY_MAX],
    )
    return "queued"


def mark_bounced(session: Session, message: OutboxMessage, owner: str, reply: str) -> None:
    """A permanent refusal: this row is bounced and the address is never mailed again."""
    suppress(session, message.recipient, reply)
    _finish(
        session, message.id, owner, status="bounced", smtp_reply=reply[:REPLY_MAX], last_error=None
    )


def suppress(session: Session, email: str, reason: str) -> None:
    from subscribe_service.infra.models import Subscriber

    key = address_key(email)
    if not session.scalar(select(func.count()).where(func.lower(Suppression.email) == key)):
        session.add(Suppression(email=key, reason=reason[:REPLY_MAX]))
    subscriber = session.scalar(select(Subscriber).where(func.lower(Subscriber.email) == key))
    if subscriber is not None and subscriber.suppressed_at is None:
        subscriber.suppressed_at = utcnow()
    session.flush()


def suppressed_among(session: Session, emails: list[str]) -> set[str]:
    """The `address_key`s of those `emails` that are suppressed (one query for a batch);
    rows recorded in another letter case count too."""
    if not emails:
        return set()
    keys = {address_key(email) for email in emails}
    found = session.scalars(
        select(func.lower(Suppression.email)).where(func.lower(Suppression.email).in_(keys))
    )
    return set(found)
