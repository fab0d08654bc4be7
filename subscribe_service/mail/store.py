"""The delivery engine's Store on the database: the outbox rows through SQLAlchemy.

One batch at a time: `claim` leases due rows (outbox.claim_batch), loads them with what
renderers need, gives each its Message-ID and, for the batch's duration, holds the
session renderers read from and a recording connection of its own for `mark_sent`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session, selectinload

from subscribe_service.infra.db import get_database, session_scope
from subscribe_service.infra.models import OutboxMessage, Subscriber, utcnow
from subscribe_service.infra.published_site import published_site
from subscribe_service.mail import outbox
from subscribe_service.mail.interfaces import Claim, Message
from subscribe_service.mail.message import new_message_id


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
        self._recorder: Connection | None = None
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
            gave_up: list[int] = []
            ids = outbox.claim_batch(
                session,
                owner=self.owner,
                limit=self.batch_size,
                lease_seconds=self.lease,
                skip_locked=self.skip_locked,
                max_attempts=self.max_attempts,
                gave_up=gave_up,
                kind_max_attempts=self.kind_max_attempts,
            )
            if not ids:
                yield Claim([], gave_up)
                return
            messages = self._load(session, ids)
            self._session = session
            try:
                # The claim and the Message-IDs are committed by now, so the session
                # holds no write lock (SQLite) that the recording connection would wait for.
                with outbox.recording_connection(self.engine) as recorder:
                    self._recorder = recorder
                    yield Claim(messages, gave_up)
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
                    selectinload(OutboxMessage.notice),
                )
            )
        )
        self.suppressed = outbox.suppressed_among(session, [m.recipient for m in messages])
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
        outbox.renew_lease(self.session, [m.id for m in messages], self.owner, self.lease)

    def mark_sent(self, message: Message, reply: str) -> None:
        if self.session.in_transaction():
            # A step before rendering wrote (a confirm mail records the subscribe
            # request it answers): commit that first, or the recording connection would
            # wait for the session's locks (SQLite's write lock, PostgreSQL's lock on
            # the outbox row), and the sender with it.
            self.session.commit()
        assert self._recorder is not None
        outbox.mark_sent(self._recorder, message.id, self.owner, reply)

    def mark_failed(self, message: Message, reason: str) -> None:
        outbox.mark_failed(self.session, message.id, self.owner, reason)

    def mark_cancelled(self, message: Message, reason: str) -> None:
        outbox.mark_cancelled(self.session, message.id, self.owner, reason)

    def mark_bounced(self, message: Message, reply: str) -> None:
        outbox.mark_bounced(self.session, self._row(message), self.owner, reply)
        self.session.commit()

    def mark_retry(self, message: Message, reason: str) -> bool:
        state = outbox.mark_retry(
            self.session,
            self._row(message),
            self.owner,
            reason,
            max_attempts=self.max_attempts,
            backoff_seconds=self.backoff,
        )
        return state == "queued"

    def discard(self) -> None:
        self.session.rollback()

    @staticmethod
    def _row(message: Message) -> OutboxMessage:
        assert isinstance(message, OutboxMessage)
        return message


def queue_size(app: Flask) -> int:
    """Rows not finished yet: queued (due or waiting to retry) or leased."""
    with session_scope(app) as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status.in_(("queued", "sending")))
            )
            or 0
        )


def due_count(app: Flask) -> int:
    """Messages that could be claimed right now (not waiting for a retry)."""
    now = utcnow()
    with session_scope(app) as session:
        return int(
            session.scalar(
                select(func.count()).select_from(OutboxMessage).where(outbox.claimable(now))
            )
            or 0
        )
