"""`flask --app subscribe_service send [--once]`: the only code that talks SMTP.

Loop: claim a batch (with a lease), render every message (a renderer returning None
cancels it), open one SMTP connection, send message by message and record each result
at once, so a crash loses at most the message in flight (it is re-sent when its lease
expires) and never re-sends one already recorded as sent.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session, selectinload

from subscribe_service.infra.db import get_database, session_scope
from subscribe_service.infra.models import OutboxMessage, Subscriber
from subscribe_service.mail import outbox
from subscribe_service.mail.mailer import (
    CONNECTION_ERRORS,
    HeaderInjectionError,
    SendResult,
    SmtpConnection,
    UnsendableAddress,
    build_message_bytes,
    new_message_id,
    wire_address,
)
from subscribe_service.mail.renderers import RENDERERS
from subscribe_service.web.validation import address_key

log = logging.getLogger("subscribe_service.mail.sender")


@dataclass
class Counts:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    bounced: int = 0
    cancelled: int = 0

    def add(self, other: Counts) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def done(self) -> int:
        return self.sent + self.retried + self.failed + self.bounced + self.cancelled

    def __str__(self) -> str:
        return ", ".join(f"{v} {k}" for k, v in vars(self).items())


@dataclass
class RateLimiter:
    """At most `rate` messages per second (0: unlimited), spread evenly."""

    rate: float
    _next: float = field(default=0.0)

    def wait(self) -> None:
        if self.rate <= 0:
            return
        now = time.monotonic()
        if self._next > now:
            time.sleep(self._next - now)
        self._next = max(now, self._next) + 1.0 / self.rate


@dataclass(frozen=True)
class Settle:
    """A claimed row that is not sent this time: cancelled, or back to the queue."""

    action: str  # "cancelled" | "retry" | "failed" (never worth another attempt)
    reason: str


Prepared = bytes | Settle


class Sender:
    def __init__(self, app: Flask, owner: str | None = None) -> None:
        self.app = app
        cfg = app.config
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.batch_size = int(cfg["SEND_BATCH_SIZE"])
        self.max_attempts = int(cfg["SEND_MAX_ATTEMPTS"])
        self.backoff = float(cfg["SEND_BACKOFF_SECONDS"])
        self.lease = float(cfg["SEND_LEASE_SECONDS"])
        self.limiter = RateLimiter(float(cfg["SEND_RATE"]))
        self.engine = get_database(app).engine
        self.skip_locked = self.engine.dialect.name == "postgresql"
        self._renew_at = 0.0

    def run_batch(self, on_result: Callable[[str], None] | None = None) -> Counts | None:
        """Claim, render and send one batch; None when nothing was due."""
        counts = Counts()
        note = on_result or (lambda _outcome: None)
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
            )
            for pk in gave_up:
                log.warning("outbox message #%d failed: no attempts left", pk)
                self._count(counts, note, "failed")
            if not ids:
                return counts if gave_up else None
            self._renew_at = time.monotonic() + self.lease / 2
            messages, suppressed = self._load(session, ids)
            # The claim and the Message-IDs are committed by now, so the session holds
            # no write lock (SQLite) that the recording connection would wait for.
            with outbox.recording_connection(self.engine) as recorder:
                self._send_all(session, recorder, messages, suppressed, counts, note)
        return counts

    def _load(self, session: Session, ids: list[int]) -> tuple[list[OutboxMessage], set[str]]:
        """The claimed rows with what renderers need, and which recipients are suppressed."""
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
        suppressed = outbox.suppressed_among(session, [m.recipient for m in messages])
        # Each row keeps its first Message-ID across retries, so a mail re-sent after a
        # crash is a duplicate that the recipient's mail client can recognise.
        for message in messages:
            if message.message_id is None:
                message.message_id = new_message_id(self.app.config)
        session.commit()
        return messages, suppressed

    def _prepare(self, session: Session, message: OutboxMessage, suppressed: set[str]) -> Prepared:
        """Render and build one mail: its wire bytes, or why it is not sent this time.

        Commits nothing (a renderer's failed query is rolled back at once), so the send
        loop can call it while the server is still answering the previous mail. What a
        renderer writes is committed before the next mail is recorded as sent.
        """
        if address_key(message.recipient) in suppressed:
            return Settle("cancelled", "address suppressed")
        try:
            wire_address(message.recipient)
        except UnsendableAddress as err:
            return Settle("failed", f"unsendable address: {err}")
        renderer = RENDERERS.get(message.kind)
        if renderer is None:
            return Settle("retry", f"no renderer for kind {message.kind!r}")
        try:
            rendered = renderer(session, message)
            if rendered is None:
                return Settle("cancelled", "no longer wanted")
            return build_message_bytes(
                self.app.config, rendered, message.recipient, message_id=message.message_id
            )
        except HeaderInjectionError as err:
            session.rollback()
            return Settle("cancelled", f"refused: {err}")
        except UnicodeError as err:  # the same bytes would fail the same way next time
            session.rollback()
            log.warning(
                "outbox message %s (%s) cannot be encoded: %s", message.id, message.kind, err
            )
            return Settle("failed", f"encoding failed: {err!r}")
        except Exception as err:  # a template or renderer bug must not stop the queue
            session.rollback()
            log.exception("rendering outbox message %s (%s) failed", message.id, message.kind)
            return Settle("retry", f"rendering failed: {err!r}")

    def _settle(self, session: Session, message: OutboxMessage, settle: Settle) -> str:
        if settle.action == "cancelled":
            outbox.mark_cancelled(session, message.id, self.owner, settle.reason)
            return "cancelled"
        if settle.action == "failed":
            outbox.mark_failed(session, message.id, self.owner, settle.reason)
            log.warning("%s #%d failed: %s", message.kind, message.id, settle.reason)
            return "failed"
        return self._retry(session, message, settle.reason)

    def _send_all(
        self,
        session: Session,
        recorder: Connection,
        messages: list[OutboxMessage],
        suppressed: set[str],
        counts: Counts,
        note: Callable[[str], None],
    ) -> None:
        """Send the batch over one connection, recording each answer as it comes.

        Each mail is rendered while the server works on the previous one (between the
        end of its data and the reply), and the next MAIL FROM goes out before the
        previous answer is committed: the database and the renderer overlap the
        server's round trips instead of adding to them. Still one mail in flight.
        """
        pending = deque(messages)  # not answered yet, in order; pending[0] is next
        prepared: dict[int, Prepared] = {}

        def take_ready() -> bytes | None:
            """Settle rows that will not be sent until pending[0] is a mail to send."""
            while pending:
                message = pending[0]
                mail = prepared.pop(message.id, None) or self._prepare(session, message, suppressed)
                if isinstance(mail, bytes):
                    return mail
                pending.popleft()
                self._count(counts, note, self._settle(session, message, mail))
            return None

        def prepare_next() -> None:
            if len(pending) > 1 and pending[1].id not in prepared:
                prepared[pending[1].id] = self._prepare(session, pending[1], suppressed)

        try:
            self._deliver(session, recorder, pending, take_ready, prepare_next, counts, note)
        except CONNECTION_ERRORS as err:
            # The server went away or never answered: every message not yet answered
            # goes back to the queue (the one in flight may have arrived; its lease
            # row stays unsent, which errs on the side of delivering). Rows that would
            # not be sent anyway are settled as such.
            log.warning(
                "SMTP connection failed: %s; %d message(s) will be retried", err, len(pending)
            )
            reason = f"connection: {err!r}"
            self._settle_rest(session, pending, prepared, suppressed, counts, note, reason)
        except Exception as err:
            # Not one message's fault (those are settled one by one in _deliver): the
            # database or our own code failed. Give the rest of the batch back now,
            # rather than leaving it leased until the lease runs out, then report it.
            log.exception("sending the batch failed; %d message(s) go back", len(pending))
            try:
                session.rollback()
                reason = f"sender error: {err!r}"
                self._settle_rest(session, pending, prepared, suppressed, counts, note, reason)
            except Exception:
                log.exception("could not give the rest of the batch back")
            raise

    def _deliver(
        self,
        session: Session,
        recorder: Connection,
        pending: deque[OutboxMessage],
        take_ready: Callable[[], bytes | None],
        prepare_next: Callable[[], None],
        counts: Counts,
        note: Callable[[str], None],
    ) -> None:
        """The send loop over one connection; a message that fails on our side (an
        encoding error, any exception that is not the connection's) is recorded as
        failed with the reason, and the loop goes on with the next one."""
        mail = take_ready()
        if mail is None:
            return
        with SmtpConnection(self.app.config) as smtp:
            while mail is not None:
                message = pending[0]
                self._keep_lease(session, pending)
                self.limiter.wait()
                try:
                    result = smtp.send(message.recipient, mail, while_waiting=prepare_next)
                except CONNECTION_ERRORS:
                    raise
                except Exception as err:
                    pending.popleft()
                    log.warning("%s #%d could not be sent: %r", message.kind, message.id, err)
                    reason = Settle("failed", f"could not be sent: {err!r}")
                    self._count(counts, note, self._settle(session, message, reason))
                    smtp.reset()  # a connection that cannot even do that raises
                    mail = take_ready()
                    continue
                pending.popleft()
                if pending:
                    smtp.begin_next()
                outcome = self._record(session, recorder, message, result)
                self._count(counts, note, outcome)
                mail = take_ready()

    def _settle_rest(
        self,
        session: Session,
        pending: Iterable[OutboxMessage],
        prepared: dict[int, Prepared],
        suppressed: set[str],
        counts: Counts,
        note: Callable[[str], None],
        reason: str,
    ) -> None:
        """Give back every row not answered yet: to the queue, or settled as it would
        have been anyway (cancelled, failed)."""
        for message in pending:
            outcome = prepared.pop(message.id, None) or self._prepare(session, message, suppressed)
            if isinstance(outcome, bytes):
                outcome = Settle("retry", reason)
            self._count(counts, note, self._settle(session, message, outcome))

    @staticmethod
    def _count(counts: Counts, note: Callable[[str], None], outcome: str) -> None:
        setattr(counts, outcome, getattr(counts, outcome) + 1)
        note(outcome)

    def _keep_lease(self, session: Session, pending: Iterable[OutboxMessage]) -> None:
        """A slow server or a low rate: keep the rest of the batch ours, so no other
        sender takes it over while this one is still working through it."""
        if time.monotonic() < self._renew_at:
            return
        outbox.renew_lease(session, [m.id for m in pending], self.owner, self.lease)
        self._renew_at = time.monotonic() + self.lease / 2

    def _record(
        self, session: Session, recorder: Connection, message: OutboxMessage, result: SendResult
    ) -> str:
        reply = result.text
        if result.outcome == "accepted":
            if session.in_transaction():
                # A renderer used the database (a confirm mail records the subscribe
                # request it answers): commit that first, as before, or the recording
                # connection would wait for the session's locks (SQLite's write lock,
                # PostgreSQL's lock on the outbox row), and the sender with it.
                session.commit()
            outbox.mark_sent(recorder, message.id, self.owner, reply)
            log.info("sent %s #%d to %s: %s", message.kind, message.id, message.recipient, reply)
            return "sent"
        if result.outcome == "permanent" and result.stage == "data":
            # The server refused this message's content, not the address: keep mailing it.
            outbox.mark_failed(session, message.id, self.owner, reply)
            log.warning(
                "refused %s #%d to %s: %s", message.kind, message.id, message.recipient, reply
            )
            return "failed"
        if result.outcome == "permanent":
            outbox.mark_bounced(session, message, self.owner, reply)
            session.commit()
            log.warning(
                "bounced %s #%d to %s: %s", message.kind, message.id, message.recipient, reply
            )
            return "bounced"
        return self._retry(session, message, reply)

    def _retry(self, session: Session, message: OutboxMessage, error: str) -> str:
        state = outbox.mark_retry(
            session,
            message,
            self.owner,
            error,
            max_attempts=self.max_attempts,
            backoff_seconds=self.backoff,
        )
        log.warning(
            "%s #%d to %s not sent (%s): %s",
            message.kind,
            message.id,
            message.recipient,
            state,
            error,
        )
        return "retried" if state == "queued" else "failed"


def queue_size(app: Flask) -> int:
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
    from subscribe_service.infra.models import utcnow

    now = utcnow()
    with session_scope(app) as session:
        return int(
            session.scalar(
                select(func.count()).select_from(OutboxMessage).where(outbox._claimable(now))
            )
            or 0
        )


def drain(app: Flask, *, progress: bool = False, owner: str | None = None) -> Counts:
    """Send until nothing is due (messages waiting for a later retry stay queued)."""
    sender = Sender(app, owner)
    total = Counts()
    bar_total = due_count(app) if progress else 0
    if progress and bar_total:
        with click.progressbar(length=bar_total, label="sending", show_pos=True) as bar:

            def step(outcome: str) -> None:
                bar.label = f"sending ({total_label(total, outcome)})"
                bar.update(1)

            _drain_loop(sender, total, step)
    else:
        _drain_loop(sender, total, None)
    return total


def total_label(total: Counts, _outcome: str) -> str:
    return (
        f"{total.sent} sent, {total.retried} retry, {total.failed} failed, {total.bounced} bounced"
    )


def _drain_loop(sender: Sender, total: Counts, note: Callable[[str], None] | None) -> None:
    while True:
        counts = sender.run_batch(_counting(total, note))
        if counts is None:
            return


def _counting(total: Counts, note: Callable[[str], None] | None) -> Callable[[str], None]:
    def record(outcome: str) -> None:
        setattr(total, outcome, getattr(total, outcome) + 1)
        if note:
            note(outcome)

    return record


def poll(app: Flask, stop: Callable[[], bool] | None = None, *, owner: str | None = None) -> None:
    """Keep sending: drain, then wait SEND_POLL_SECONDS, until `stop()` says so."""
    interval = float(app.config["SEND_POLL_SECONDS"])
    sender = Sender(app, owner)
    should_stop = stop or (lambda: False)
    log.info("sender %s polling the outbox every %.1fs", sender.owner, interval)
    chores_due = 0.0
    while not should_stop():
        if time.monotonic() >= chores_due:
            run_housekeeping(app)
            chores_due = time.monotonic() + float(app.config.get("HOUSEKEEPING_SECONDS", 3600))
        total = Counts()
        try:
            while not should_stop() and sender.run_batch(_counting(total, None)) is not None:
                pass
        except Exception:  # the database was unreachable: keep the sender alive
            log.exception("sender loop failed; trying again in %.1fs", interval)
        if total.done:
            log.info("sender: %s", total)
        _sleep(interval, should_stop)


# Periodic chores of other parts, e.g. the requests' retention purge: each is fn(app),
# appended to app.extensions[HOUSEKEEPING_KEY] by that part's init_app. The polling sender
# is the one process that always runs, so it runs them (about once per HOUSEKEEPING_SECONDS).
HOUSEKEEPING_KEY = "trustsite.housekeeping"


def run_housekeeping(app: Flask) -> None:
    for chore in app.extensions.get(HOUSEKEEPING_KEY, ()):
        try:
            with app.app_context():
                chore(app)
        except Exception:  # one failing chore must not stop the sending
            log.exception("housekeeping %s failed", getattr(chore, "__name__", chore))


def _sleep(seconds: float, stop: Callable[[], bool]) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end and not stop():
        time.sleep(min(0.1, end - time.monotonic()))


@click.command("send")
@click.option("--once", is_flag=True, help="Send everything that is due, then exit.")
@with_appcontext
def send_command(once: bool) -> None:
    """Send the queued mail (all of the service's mail goes through this)."""
    app: Any = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        counts = drain(app, progress=sys.stdout.isatty())
        waiting = queue_size(app)
        click.echo(f"{counts}; {waiting} still queued (waiting to retry or leased)")
        return
    try:
        poll(app)
    except KeyboardInterrupt:
        click.echo("sender stopped")


def init_app(app: Flask) -> None:
    from subscribe_service.subscribers.retention import purge_stale

    app.cli.add_command(send_command)
    app.extensions.setdefault(HOUSEKEEPING_KEY, []).append(purge_stale)
