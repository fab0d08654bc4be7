"""The delivery engine's two interfaces, and what passes through them.

`Store`: where the outbox rows live (claim a batch under a lease, record each outcome,
renew the lease). `Connection`: the way to the mail server (mails started under a key,
each answer reported as it comes). `Composer` turns a claimed row into wire bytes, or
says why it is not sent this time. The engine (engine.py) sees nothing else: the real
ones are store.SqlStore, sessions.SmtpSessions and compose.Composer; tests drive the
engine with in-memory ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class Outcome(StrEnum):
    """The server's answer to one mail."""

    ACCEPTED = "accepted"
    TEMPORARY = "temporary"  # 4xx
    PERMANENT = "permanent"  # 5xx


class Action(StrEnum):
    """What becomes of a row that is not sent this time."""

    CANCELLED = "cancelled"
    RETRY = "retry"
    FAILED = "failed"  # never worth another attempt


class Result(StrEnum):
    """What the engine did with one row (the `Counts` it keeps)."""

    SENT = "sent"
    RETRIED = "retried"
    FAILED = "failed"
    BOUNCED = "bounced"
    CANCELLED = "cancelled"


class Message(Protocol):
    """A claimed row, as the engine sees it (OutboxMessage in the real store)."""

    id: int
    kind: str
    recipient: str


@dataclass(frozen=True)
class SendResult:
    """The server's answer for one message: accepted, temporary (4xx) or permanent (5xx)."""

    outcome: Outcome
    code: int
    reply: str
    stage: str = "data"  # the command answered: "mail" | "rcpt" | "data"

    @property
    def text(self) -> str:
        return f"{self.code} {self.reply}"


@dataclass(frozen=True)
class Settle:
    """A claimed row that is not sent this time: cancelled, or back to the queue."""

    action: Action
    reason: str


Prepared = bytes | Settle


@dataclass
class Claim:
    """One claimed batch: the rows to send, in order, and the ids of rows found out of
    attempts (failed by the store while claiming)."""

    messages: Sequence[Message]
    gave_up: list[int] = field(default_factory=list)


class Store(Protocol):
    def claim(self) -> AbstractContextManager[Claim]:
        """Lease a batch of due rows; the batch is worked on inside the context."""

    def renew_lease(self, messages: Sequence[Message]) -> None: ...

    def mark_sent(self, message: Message, reply: str) -> None: ...

    def mark_failed(self, message: Message, reason: str) -> None: ...

    def mark_bounced(self, message: Message, reply: str) -> None:
        """A permanent refusal of the address: never mail it again."""

    def mark_cancelled(self, message: Message, reason: str) -> None: ...

    def mark_retry(self, message: Message, reason: str) -> bool:
        """Back to the queue (True), or failed after the last attempt (False)."""

    def discard(self) -> None:
        """Drop uncommitted work (a renderer's or the engine's failed step)."""


class MessageFailed(Exception):
    """One mail under way failed on our side (not the connection's fault, e.g. an
    address that will not encode): `key` names it. Its transaction was abandoned and
    the connection goes on with the others."""

    def __init__(self, key: int, cause: Exception) -> None:
        super().__init__(f"{cause!r}")
        self.key = key
        self.cause = cause


class Connection(Protocol):
    """A way to the mail server with room for one or more mails at once, each started
    under a key (the row's id) and answered in its own time. A lost connection raises
    OSError (smtplib's errors are OSErrors): every mail not answered yet goes back."""

    def has_room(self, recipient: str) -> bool:
        """Whether a mail to `recipient` can be started now (else: wait for an answer)."""

    def start(self, key: int, recipient: str, message: bytes) -> None:
        """Begin sending one message; its answer comes from `next_answer`."""

    def next_answer(
        self, *, while_waiting: Callable[[], None] | None = None
    ) -> tuple[int, SendResult]:
        """The next mail answered, by key (raises MessageFailed for a mail that failed
        on our side). `while_waiting` runs once, while a server works on a mail's data."""


Transport = Callable[[], AbstractContextManager[Connection]]


class Composer(Protocol):
    def prepare(self, message: Message) -> Prepared:
        """The message's wire bytes, or why it is not sent this time. Commits nothing."""
