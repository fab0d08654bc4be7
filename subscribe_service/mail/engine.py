"""The delivery engine: a claimed batch, sent over one connection, each answer recorded.

Loop: claim a batch (with a lease), prepare each message as its turn comes (render and
build it, or settle it: a renderer may cancel it), start as many as the connection has
room for (one per SMTP session) and record each answer at once, so a crash loses none:
what was under way is re-sent when its lease expires, what was recorded as sent never.

The engine knows only the interfaces in interfaces.py: a Store, a Transport and a
Composer. No database, SMTP or Flask here.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from subscribe_service.mail.interfaces import (
    Action,
    Composer,
    Connection,
    Message,
    MessageFailed,
    Outcome,
    Prepared,
    Result,
    SendResult,
    Settle,
    Store,
    Transport,
)

log = logging.getLogger("subscribe_service.mail.sender")

# A transport reports a lost connection as OSError (smtplib's errors and socket
# timeouts are OSErrors); anything else raised while sending is that message's fault.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (OSError,)


@dataclass
class Counts:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    bounced: int = 0
    cancelled: int = 0

    def bump(self, outcome: Result) -> None:
        """One more message with this outcome ("sent", "retried", ...)."""
        setattr(self, outcome, getattr(self, outcome) + 1)

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


Note = Callable[[str], None]


@dataclass
class _Batch:
    """A batch being sent: rows not started yet (in order), their wire bytes or
    settlements once prepared, and the rows under way, by id."""

    pending: deque[Message]
    prepared: dict[int, Prepared]
    in_flight: dict[int, Message]

    @property
    def left(self) -> int:
        return len(self.pending) + len(self.in_flight)


class Engine:
    def __init__(
        self,
        store: Store,
        transport: Transport,
        composer: Composer,
        *,
        lease_seconds: float,
        rate: float = 0.0,
    ) -> None:
        self.store = store
        self.transport = transport
        self.composer = composer
        self.lease = lease_seconds
        self.limiter = RateLimiter(rate)
        self._renew_at = 0.0

    def run_batch(self, on_result: Note | None = None) -> Counts | None:
        """Claim, prepare and send one batch; None when nothing was due."""
        counts = Counts()
        note = on_result or (lambda _outcome: None)
        with self.store.claim() as claim:
            for pk in claim.gave_up:
                log.warning("outbox message #%d failed: no attempts left", pk)
                self._count(counts, note, Result.FAILED)
            if not claim.messages:
                return counts if claim.gave_up else None
            self._renew_at = time.monotonic() + self.lease / 2
            self._send_all(claim.messages, counts, note)
        return counts

    def _settle(self, message: Message, settle: Settle) -> Result:
        if settle.action == Action.CANCELLED:
            self.store.mark_cancelled(message, settle.reason)
            return Result.CANCELLED
        if settle.action == Action.FAILED:
            self.store.mark_failed(message, settle.reason)
            log.warning("%s #%d failed: %s", message.kind, message.id, settle.reason)
            return Result.FAILED
        return self._retry(message, settle.reason)

    def _send_all(self, messages: Sequence[Message], counts: Counts, note: Note) -> None:
        """Send the batch, recording each answer as it comes.

        As many mails are under way as the connection has room for (one per SMTP
        session). The next mail is rendered while the server works on one, and started
        before the last answer is recorded: the renderer and the store overlap the
        server's round trips instead of adding to them.
        """
        batch = _Batch(deque(messages), {}, {})

        try:
            self._deliver(batch, counts, note)
        except CONNECTION_ERRORS as err:
            # The server went away or never answered: every message not yet answered
            # goes back to the queue (those under way may have arrived; their rows stay
            # unsent, which errs on the side of delivering). Rows that would not be
            # sent anyway are settled as such.
            log.warning(
                "SMTP connection failed: %s; %d message(s) will be retried", err, batch.left
            )
            self._settle_rest(batch, counts, note, f"connection: {err!r}")
        except Exception as err:
            # Not one message's fault (those are settled one by one in _deliver): the
            # store or our own code failed. Give the rest of the batch back now,
            # rather than leaving it leased until the lease runs out, then report it.
            log.exception("sending the batch failed; %d message(s) go back", batch.left)
            try:
                self.store.discard()
                self._settle_rest(batch, counts, note, f"sender error: {err!r}")
            except Exception:
                log.exception("could not give the rest of the batch back")
            raise

    def _deliver(self, batch: _Batch, counts: Counts, note: Note) -> None:
        """The send loop: fill the connection's room, take the next answer, record it.
        A message that fails on our side (an encoding error, any exception that is not
        the connection's) is recorded as failed with the reason, and the loop goes on."""
        if self._ready(batch, counts, note) is None:
            return  # nothing to send: no connection opened
        with self.transport() as connection:
            self._fill(connection, batch, counts, note)
            while batch.in_flight:
                try:
                    key, result = connection.next_answer(
                        while_waiting=lambda: self._prepare_next(batch)
                    )
                except MessageFailed as failed:
                    message = batch.in_flight.pop(failed.key)
                    log.warning(
                        "%s #%d could not be sent: %r", message.kind, message.id, failed.cause
                    )
                    reason = Settle(Action.FAILED, f"could not be sent: {failed.cause!r}")
                    self._count(counts, note, self._settle(message, reason))
                    self._fill(connection, batch, counts, note)
                    continue
                self._answered(connection, batch, batch.in_flight.pop(key), result, counts, note)

    def _answered(
        self,
        connection: Connection,
        batch: _Batch,
        message: Message,
        result: SendResult,
        counts: Counts,
        note: Note,
    ) -> None:
        """Record one answer and start what there is room for. Without a rate limit the
        next mail starts first, so its round trips overlap the record; under one, the
        record comes first, so an accepted mail never waits unrecorded for the next
        one's turn (what a crash then would send twice)."""
        if self.limiter.rate <= 0:
            self._fill(connection, batch, counts, note)
        self._count(counts, note, self._record(message, result))
        self._fill(connection, batch, counts, note)

    def _fill(self, connection: Connection, batch: _Batch, counts: Counts, note: Note) -> None:
        """Start mails while the connection has room for them. Room is asked for before
        the next mail is rendered, so with no room it is rendered while the server
        works (`_prepare_next`), not before the answer is read."""
        while batch.pending and connection.has_room(batch.pending[0].recipient):
            mail = self._ready(batch, counts, note)
            if mail is None:
                return
            message = batch.pending[0]
            if not connection.has_room(message.recipient):  # rows were settled on the way
                return
            batch.pending.popleft()
            del batch.prepared[message.id]
            batch.in_flight[message.id] = message
            self._keep_lease(batch)
            self.limiter.wait()
            connection.start(message.id, message.recipient, mail)

    def _ready(self, batch: _Batch, counts: Counts, note: Note) -> bytes | None:
        """The next mail's wire bytes, kept prepared until it starts; rows before it
        that will not be sent are settled on the way."""
        while batch.pending:
            message = batch.pending[0]
            mail = self._prepare(batch, message)
            if isinstance(mail, bytes):
                return mail
            batch.pending.popleft()
            del batch.prepared[message.id]
            self._count(counts, note, self._settle(message, mail))
        return None

    def _prepare(self, batch: _Batch, message: Message) -> Prepared:
        if message.id not in batch.prepared:
            batch.prepared[message.id] = self.composer.prepare(message)
        return batch.prepared[message.id]

    def _prepare_next(self, batch: _Batch) -> None:
        if batch.pending:
            self._prepare(batch, batch.pending[0])

    def _settle_rest(self, batch: _Batch, counts: Counts, note: Note, reason: str) -> None:
        """Give back every row not answered yet: to the queue, or settled as it would
        have been anyway (cancelled, failed). A row under way was sendable: it goes back
        without being rendered again."""
        for message in batch.in_flight.values():
            self._count(counts, note, self._settle(message, Settle(Action.RETRY, reason)))
        for message in batch.pending:
            outcome = batch.prepared.pop(message.id, None) or self.composer.prepare(message)
            if isinstance(outcome, bytes):
                outcome = Settle(Action.RETRY, reason)
            self._count(counts, note, self._settle(message, outcome))
        batch.in_flight.clear()
        batch.pending.clear()

    @staticmethod
    def _count(counts: Counts, note: Note, outcome: Result) -> None:
        counts.bump(outcome)
        note(outcome)

    def _keep_lease(self, batch: _Batch) -> None:
        """A slow server or a low rate: keep the rest of the batch ours, so no other
        sender takes it over while this one is still working through it."""
        if time.monotonic() < self._renew_at:
            return
        self.store.renew_lease([*batch.in_flight.values(), *batch.pending])
        self._renew_at = time.monotonic() + self.lease / 2

    def _record(self, message: Message, result: SendResult) -> Result:
        reply = result.text
        if result.outcome == Outcome.ACCEPTED:
            self.store.mark_sent(message, reply)
            log.info("sent %s #%d to %s: %s", message.kind, message.id, message.recipient, reply)
            return Result.SENT
        if result.outcome == Outcome.PERMANENT and result.stage == "data":
            # The server refused this message's content, not the address: keep mailing it.
            self.store.mark_failed(message, reply)
            log.warning(
                "refused %s #%d to %s: %s", message.kind, message.id, message.recipient, reply
            )
            return Result.FAILED
        if result.outcome == Outcome.PERMANENT:
            self.store.mark_bounced(message, reply)
            log.warning(
                "bounced %s #%d to %s: %s", message.kind, message.id, message.recipient, reply
            )
            return Result.BOUNCED
        return self._retry(message, reply)

    def _retry(self, message: Message, error: str) -> Result:
        queued = self.store.mark_retry(message, error)
        log.warning(
            "%s #%d to %s not sent (%s): %s",
            message.kind,
            message.id,
            message.recipient,
            "queued" if queued else "failed",
            error,
        )
        return Result.RETRIED if queued else Result.FAILED
