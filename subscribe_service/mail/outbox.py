"""The database outbox: every mail is a row first, and only the sender talks SMTP.

This module queues: one row in the caller's transaction (`enqueue`), a row committed
through the app's group-commit writer (`enqueue_now`, the subscribe API's path), or one
row per recipient of a select (`enqueue_select`, a notice's deliveries); and it says how
long the queue is. The sender's row updates are the store's (store.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, current_app
from sqlalchemy import JSON, Integer, Select, String, and_, func, insert, literal, or_, select
from sqlalchemy.orm import Session

from subscribe_service.infra.db import get_statements_engine, session_scope, write_lock
from subscribe_service.infra.models import OutboxMessage, OutboxStatus, UTCDateTime, utcnow
from subscribe_service.mail.groupcommit import GroupCommit

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
        status=OutboxStatus.QUEUED,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    session.add(message)
    session.flush()
    return message


def enqueue_select(
    session: Session, recipients: Select[Any], *, kind: str, notice_id: int, now: dt.datetime
) -> None:
    """Queue one mail of `kind` about `notice_id` per row of `recipients`, a select of
    (address, subscriber id), in one INSERT ... SELECT on the caller's transaction: the
    recipients never travel through Python, so a notice to 100,000 subscribers takes
    seconds. Everything such a mail needs is on its notice (an empty payload)."""
    rows = recipients.add_columns(
        literal(kind, String),
        literal(notice_id, Integer),
        literal({}, JSON),
        literal(OutboxStatus.QUEUED.value, String),
        literal(0, Integer),
        literal(now, UTCDateTime()),
        literal(now, UTCDateTime()),
    )
    columns = [
        _OUTBOX.c.recipient,
        _OUTBOX.c.subscriber_id,
        _OUTBOX.c.kind,
        _OUTBOX.c.notice_id,
        _OUTBOX.c.payload,
        _OUTBOX.c.status,
        _OUTBOX.c.attempts,
        _OUTBOX.c.next_attempt_at,
        _OUTBOX.c.created_at,
    ]
    session.execute(insert(_OUTBOX).from_select(columns, rows))


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
        "status": OutboxStatus.QUEUED,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    writer(current_app).insert(row, ticket)


def claimable(now: dt.datetime):  # type: ignore[no-untyped-def]
    """The rows a sender may claim at `now`: queued and due, or leased by a sender that
    let its lease run out."""
    return or_(
        and_(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.lease_until < now),
    )


def queue_size(app: Flask) -> int:
    """Rows not finished yet: queued (due or waiting to retry) or leased."""
    with session_scope(app) as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status.in_((OutboxStatus.QUEUED, OutboxStatus.SENDING)))
            )
            or 0
        )


def due_count(app: Flask) -> int:
    """Messages that could be claimed right now (not waiting for a retry)."""
    now = utcnow()
    with session_scope(app) as session:
        return int(
            session.scalar(
                select(func.count()).select_from(OutboxMessage).where(claimable(now))
            )
            or 0
        )
