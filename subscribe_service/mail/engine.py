"""The delivery engine: a claimed batch, sent over one connection, each answer recorded.

Loop: claim a batch (with a lease), prepare every message (render and build it; a
renderer returning None cancels it), open one connection, send message by message and
record each result at once, so a crash loses at most the message in flight (it is
re-sent when its lease expires) and never re-sends one already recorded as sent.

The engine knows only the interfaces in interfaces.py: a Store, a Transport and a
Composer. No database, SMTP or Flask here.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from subscribe_service.mail.interfaces import (
    Action,
    Composer,
    Message,
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
        """Send the batch over one connection, recording each answer as it comes.

        Each mail is prepared while the server works on the previous one (between the
        end of its data and the reply), and the next MAIL FROM goes out before the
        previous answer is recorded: the store and the renderer overlap the server's
        round trips instead of adding to them. Still one mail in flight.
        """
        pending = deque(messages)  # not answered yet, in order; pending[0] is next
        prepared: dict[int, Prepared] = {}

        def take_ready() -> bytes | None:
            """Settle rows that will not be sent until pending[0] is a mail to send."""
            while pending:
                message = pending[0]
                mail = prepared.pop(message.id, None) or self.composer.prepare(message)
                if isinstance(mail, bytes):
                    return mail
                pending.popleft()
                self._count(counts, note, self._settle(message, mail))
            return None

        def prepare_next() -> None:
            if len(pending) > 1 and pending[1].id not in prepared:
                prepared[pending[1].id] = self.composer.prepare(pending[1])

        try:
            self._deliver(pending, take_ready, prepare_next, counts, note)
        except CONNECTION_ERRORS as err:
            # The server went away or never answered: every message not yet answered
            # goes back to the queue (the one in flight may have arrived; its lease
            # row stays unsent, which errs on the side of delivering). Rows that would
            # not be sent anyway are settled as such.
            log.warning(
                "SMTP connection failed: %s; %d message(s) will be retried", err, len(pending)
            )
            self._settle_rest(pending, prepared, counts, note, f"connection: {err!r}")
        except Exception as err:
            # Not one message's fault (those are settled one by one in _deliver): the
            # store or our own code failed. Give the rest of the batch back now,
            # rather than leaving it leased until the lease runs out, then report it.
            log.exception("sending the batch failed; %d message(s) go back", len(pending))
            try:
                self.store.discard()
                self._settle_rest(pending, prepared, counts, note, f"sender error: {err!r}")
            except Exception:
                log.exception("could not give the rest of the batch back")
            raise

    def _deliver(
        self,
        pending: deque[Message],
        take_ready: Callable[[], bytes | None],
        prepare_next: Callable[[], None],
        counts: Counts,
        note: Note,
    ) -> None:
        """The send loop over one connection; a message that fails on our side (an
        encoding error, any exception that is not the connection's) is recorded as
        failed with the reason, and the loop goes on with the next one."""
        mail = take_ready()
        if mail is None:
            return
        with self.transport() as connection:
            while mail is not None:
                message = pending[0]
                self._keep_lease(pending)
                self.limiter.wait()
                try:
                    result = connection.send_wire(
                        message.recipient, mail, while_waiting=prepare_next
                    )
                except CONNECTION_ERRORS:
                    raise
                except Exception as err:
                    pending.popleft()
                    log.warning("%s #%d could not be sent: %r", message.kind, message.id, err)
                    reason = Settle(Action.FAILED, f"could not be sent: {err!r}")
                    self._count(counts, note, self._settle(message, reason))
                    connection.reset()  # a connection that cannot even do that raises
                    mail = take_ready()
                    continue
                pending.popleft()
                if pending:
                    connection.begin_next()
                self._count(counts, note, self._record(message, result))
                mail = take_ready()

    def _settle_rest(
        self,
        pending: Iterable[Message],
        prepared: dict[int, Prepared],
        counts: Counts,
        note: Note,
        reason: str,
    ) -> None:
        """Give back every row not answered yet: to the queue, or settled as it would
        have been anyway (cancelled, failed)."""
        for message in pending:
            outcome = prepared.pop(message.id, None) or self.composer.prepare(message)
            if isinstance(outcome, bytes):
                outcome = Settle(Action.RETRY, reason)
            self._count(counts, note, self._settle(message, outcome))

    @staticmethod
    def _count(counts: Counts, note: Note, outcome: Result) -> None:
        counts.bump(outcome)
        note(outcome)

    def _keep_lease(self, pending: Iterable[Message]) -> None:
        """A slow server or a low rate: keep the rest of the batch ours, so no other
        sender takes it over while this one is still working through it."""
        if time.monotonic() < self._renew_at:
            return
        self.store.renew_lease(list(pending))
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
