"""Several SMTP sessions to one server, driven in turn by one thread: the mail Connection.

One session spends most of its time waiting: every mail is four commands (MAIL, RCPT,
DATA, the message), and each waits a round trip for its answer, since the servers we
deliver to (aiosmtpd among them) need not offer PIPELINING. With one mail in flight on
each of SEND_CONNECTIONS sessions, the server always has a command to work on while the
sender renders the next mail or records the last answer: a command is written on one
session, then the oldest unanswered one of another session is read, and so on.

What a crash can repeat grows with it: at most one mail per session was accepted by the
server and not yet recorded, so a killed sender sends at most SEND_CONNECTIONS mails
twice (same Message-ID) once its leases run out; it never loses one.

A session that cannot be opened when one already is only stops the pool from growing
(a relay may allow one connection per client); a session lost mid-batch raises OSError,
and the engine gives back every mail not answered yet.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from subscribe_service.mail.interfaces import MessageFailed, SendResult
from subscribe_service.mail.smtp import SmtpConnection, Steps

log = logging.getLogger("subscribe_service.mail.sender")


@dataclass
class _Flight:
    """One mail under way: its session, its remaining steps, the command last written."""

    key: int
    session: SmtpConnection
    steps: Steps
    stage: str


class SmtpSessions:
    """Up to `limit` sessions, opened as mails need them, one mail in flight on each.
    Use it as a context manager: leaving it ends every session (QUIT; one left in the
    middle of a mail is dropped, see SmtpConnection.__exit__)."""

    def __init__(self, open_session: Callable[[], SmtpConnection], limit: int) -> None:
        self._open_session = open_session
        self.limit = max(1, limit)
        self._sessions: list[SmtpConnection] = []
        self._idle: list[SmtpConnection] = []
        self._waiting: deque[_Flight] = deque()  # oldest unanswered command first

    def __enter__(self) -> SmtpSessions:
        return self

    def __exit__(self, *exc: Any) -> None:
        for session in self._sessions:
            session.__exit__(*exc)
        self._sessions, self._idle = [], []
        self._waiting.clear()

    def has_room(self, recipient: str) -> bool:
        """An idle session, or one more opened. The first session's failure to open
        raises (the server cannot be reached); a later one's keeps the pool as it is."""
        if self._idle:
            return True
        if len(self._sessions) >= self.limit:
            return False
        try:
            session = self._open_session().__enter__()
        except OSError as err:
            if not self._sessions:
                raise
            log.warning(
                "SMTP: a session beside the %d open could not be opened (%s); going on with %d",
                len(self._sessions),
                err,
                len(self._sessions),
            )
            self.limit = len(self._sessions)
            return False
        self._sessions.append(session)
        self._idle.append(session)
        return True

    def start(self, key: int, recipient: str, message: bytes) -> None:
        """Write the mail's MAIL FROM on an idle session (after `has_room`)."""
        session = self._idle.pop()
        steps = session.transaction(recipient, message)
        self._waiting.append(_Flight(key, session, steps, next(steps)))

    def next_answer(
        self, *, while_waiting: Callable[[], None] | None = None
    ) -> tuple[int, SendResult]:
        """Read the oldest unanswered command's answer and write that session's next
        command, session after session, until one mail is answered."""
        while True:
            flight = self._waiting.popleft()
            if flight.stage == "body" and while_waiting is not None:
                while_waiting()  # the server stores a mail: render the next one now
                while_waiting = None
            try:
                flight.stage = next(flight.steps)
            except StopIteration as done:
                self._idle.append(flight.session)
                answer: SendResult = done.value
                return flight.key, answer
            except OSError:
                raise
            except Exception as err:  # this mail's own failure: abandon it, keep the session
                flight.session.reset()  # a session that cannot even do that raises OSError
                self._idle.append(flight.session)
                raise MessageFailed(flight.key, err) from err
            self._waiting.append(flight)


def smtp_sessions(app: Flask) -> Callable[[], SmtpSessions]:
    """A batch's SMTP sessions: up to SEND_CONNECTIONS to the app's mail server."""
    limit = int(app.config["SEND_CONNECTIONS"])
    return lambda: SmtpSessions(lambda: SmtpConnection.for_app(app), limit)
