"""Recording each accepted mail as sent, on the sender's recording connection.

The sender records every mail the server accepted with one statement, at once, so a
crash loses at most the mail in flight. On PostgreSQL the statement goes out without
waiting for its answer (libpq's asynchronous query functions): the database works on it
while the next mail's MAIL, RCPT and DATA make their round trips, and the answer is read
before the next mark goes out or the next mail is rendered (`catch_up`), so at most one
mark is ever unanswered. A failure there raises RecordingFailed, naming the row. Waiting
for each answer instead made the database round trip a third of the sender's time per
mail. On SQLite (in process, no round trip) each mark runs as an ordinary statement.

`stored_text` is what an SMTP reply or an error becomes in a column: no NUL (PostgreSQL
text cannot hold it, and a hostile server could send one) and at most REPLY_MAX
characters.
"""

from __future__ import annotations

import select
import time
from typing import Any, Protocol

from psycopg import OperationalError, pq
from sqlalchemy import ColumnElement, Update, bindparam, update
from sqlalchemy import Connection as DbConnection
from sqlalchemy.sql.base import Executable

from subscribe_service.infra.models import OutboxMessage, OutboxStatus, utcnow
from subscribe_service.mail.suppressions import REPLY_MAX

_OUTBOX = OutboxMessage.__table__
ANSWER_TIMEOUT_S = 30.0  # as long as an SMTP command may take (SMTP_TIMEOUT's default)


class RecordingFailed(RuntimeError):
    """The database refused or never answered a mark: the row stays leased and unsent,
    so it is sent again once its lease runs out (at least once, never lost)."""


def stored_text(text: str) -> str:
    return text.replace("\x00", "")[:REPLY_MAX]


def mark_sent_statement(rows: ColumnElement[bool]) -> Update:
    """The UPDATE that records the rows `rows` selects as accepted: a Core statement built
    once (no ORM statement or unit of work per mail), still guarded by the lease so a
    sender that lost its lease records nothing. Parameters: owner, sent_at, reply."""
    return (
        update(_OUTBOX)
        .where(
            rows,
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


# One accepted mail, by its primary key (parameter row_id).
MARK_SENT = mark_sent_statement(_OUTBOX.c.id == bindparam("row_id"))

# MARK_SENT as PostgreSQL's own SQL ($n parameters, sent as text, typed by the server).
_PG_MARK_SENT = (
    f"UPDATE {_OUTBOX.name} SET status = '{OutboxStatus.SENT}', sent_at = $1, "
    "smtp_reply = $2, last_error = NULL, lease_owner = NULL, lease_until = NULL "
    f"WHERE id = $3 AND lease_owner = $4 AND status = '{OutboxStatus.SENDING}'"
).encode()
_PG_STATEMENT = b"trustsite_mark_sent"
_PREPARED = "trustsite.mark_sent_prepared"  # in the pooled connection's info


class Recorder(Protocol):
    def record(self, row_id: int, owner: str, reply: str) -> None: ...

    def catch_up(self) -> None:
        """Every mark so far is answered (committed), or RecordingFailed is raised."""

    def execute(self, statement: Executable, params: dict[str, Any]) -> None:
        """Another autocommit statement on the recording connection, answered at once,
        after every mark before it (the webhook store records a window of POSTs so)."""


def recorder_for(connection: DbConnection) -> Recorder:
    """The recorder for a `db.recording_connection` (autocommit)."""
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        return PipelinedRecorder(connection)
    return PlainRecorder(connection)


class PlainRecorder:
    """One autocommit statement per mark, answered before `record` returns."""

    def __init__(self, connection: DbConnection) -> None:
        self._connection = connection

    def record(self, row_id: int, owner: str, reply: str) -> None:
        params = {"row_id": row_id, "owner": owner, "sent_at": utcnow(), "reply": reply}
        self._connection.execute(MARK_SENT, {**params, "reply": stored_text(reply)})

    def catch_up(self) -> None:
        return None

    def execute(self, statement: Executable, params: dict[str, Any]) -> None:
        self._connection.execute(statement, params)


class PipelinedRecorder:
    """Marks sent on PostgreSQL without waiting: at most one unanswered at a time.

    It drives the libpq connection under psycopg directly (psycopg keeps it in
    nonblocking mode), and leaves it idle after every `catch_up`, as psycopg expects.
    The statement is prepared once per database connection.
    """

    def __init__(self, connection: DbConnection) -> None:
        self._connection = connection
        pooled = connection.connection
        self._pg: Any = pooled.driver_connection.pgconn  # type: ignore[union-attr]
        self._unanswered: int | None = None  # the row whose mark is in flight
        if not pooled.info.get(_PREPARED):
            result = self._pg.prepare(_PG_STATEMENT, _PG_MARK_SENT)
            _check(result, "preparing the statement that records a sent mail")
            pooled.info[_PREPARED] = True

    def record(self, row_id: int, owner: str, reply: str) -> None:
        self.catch_up()
        params = [
            utcnow().isoformat().encode(),
            stored_text(reply).encode(),
            str(row_id).encode(),
            owner.encode(),
        ]
        self._pg.send_query_prepared(_PG_STATEMENT, params)
        self._unanswered = row_id
        self._flush()

    def execute(self, statement: Executable, params: dict[str, Any]) -> None:
        # psycopg's own use of the connection needs it idle: the mark in flight first.
        self.catch_up()
        self._connection.execute(statement, params)

    def catch_up(self) -> None:
        row_id, self._unanswered = self._unanswered, None
        if row_id is None:
            return
        what = f"recording outbox message #{row_id} as sent"
        try:
            self._wait_for_answer(what)
            result = self._pg.get_result()
            while self._pg.get_result() is not None:  # the end of this query's results
                pass
        except OperationalError as err:  # the connection broke
            raise RecordingFailed(f"{what} failed: {err}") from err
        _check(result, what)

    def _flush(self) -> None:
        deadline = time.monotonic() + ANSWER_TIMEOUT_S
        try:
            while self._pg.flush():  # 1: part of the query still to write
                if not self._wait(deadline, write=True):
                    raise RecordingFailed("the database takes no more input")
        except OperationalError as err:
            raise RecordingFailed(f"recording a sent mail failed: {err}") from err

    def _wait_for_answer(self, what: str) -> None:
        deadline = time.monotonic() + ANSWER_TIMEOUT_S
        self._pg.consume_input()
        while self._pg.is_busy():
            if not self._wait(deadline, write=False):
                raise RecordingFailed(f"{what}: no answer in {ANSWER_TIMEOUT_S:.0f} s")
            self._pg.consume_input()

    def _wait(self, deadline: float, *, write: bool) -> bool:
        """Whether the socket became ready (readable, or writable) before `deadline`."""
        sockets = [self._pg.socket]
        left = max(deadline - time.monotonic(), 0.0)
        if write:
            return bool(select.select([], sockets, [], left)[1])
        return bool(select.select(sockets, [], [], left)[0])


def _check(result: Any, what: str) -> None:
    if result is None or result.status != pq.ExecStatus.COMMAND_OK:
        detail = "no result" if result is None else result.error_message.decode(errors="replace")
        raise RecordingFailed(f"{what} failed: {detail.strip()}")
