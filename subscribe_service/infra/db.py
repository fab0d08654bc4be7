"""One SQLAlchemy engine and session factory per app; a session per request or command.

`get_session()` gives the request's session (closed at teardown, never committed for
you); `session_scope()` is a unit of work for commands and background loops;
`get_statements_engine()` runs single statements that commit on their own (the API's
outbox insert).
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, any_, bindparam, create_engine, event, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

_EXT = "trustsite.db"


@dataclass(frozen=True)
class Database:
    engine: Engine
    sessions: sessionmaker[Session]
    # Autocommit, no pre-ping: a single INSERT is one round trip and its own transaction
    # (the API's hot path; groupcommit._DriverInsert replaces a dropped connection once).
    statements: Engine

    def dispose(self) -> None:
        """Close every pooled connection (tests and scripts that drop the database)."""
        self.engine.dispose()
        self.statements.dispose()


def make_engine(url: str, *, autocommit: bool = False) -> Engine:
    """An engine for `url`; SQLite files get WAL, a busy timeout and foreign keys.

    `autocommit` makes every statement its own transaction and skips the pre-ping, for
    callers that run one statement and handle a dropped connection themselves.
    """
    parsed = make_url(url)
    # An error's message would otherwise quote the statement's values (names, addresses,
    # companies) into every log line and error report that shows it.
    options: dict[str, Any] = {"hide_parameters": True}
    if autocommit:
        # No transaction is ever left open, so nothing to roll back when a connection
        # goes back to the pool (a call per statement saved).
        options |= {"isolation_level": "AUTOCOMMIT", "pool_reset_on_return": None}
    if parsed.get_backend_name() != "sqlite":
        # Pre-ping costs a round trip per checkout, and keeps a database restart from
        # answering anyone with an error.
        engine = create_engine(
            url, pool_pre_ping=not autocommit, pool_size=5, max_overflow=10, **options
        )
        event.listen(engine, "handle_error", _without_detail)
        return engine
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30}, **options)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        # WAL lets the web workers read while the sender writes; NORMAL sync is
        # durable at each checkpoint and fast enough to commit once per sent mail.
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    return engine


def without_detail(err: BaseException) -> BaseException:
    """`err`, a driver's error, without PostgreSQL's DETAIL and what follows it: "Failing
    row contains (...)" and "Key (email)=(...)" quote the very values hide_parameters
    keeps out of the message. The structured fields (err.diag) are left as they are."""
    if err.args and isinstance(err.args[0], str) and "\nDETAIL:" in err.args[0]:
        err.args = (err.args[0].partition("\nDETAIL:")[0], *err.args[1:])
    return err


def _without_detail(context: Any) -> None:
    """handle_error: SQLAlchemy's error has copied the driver's message already."""
    without_detail(context.original_exception)
    if context.sqlalchemy_exception is not None:
        without_detail(context.sqlalchemy_exception)


_WRITE_LOCKS: dict[str, tuple[threading.Lock, int]] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


@contextmanager
def write_lock(engine: Engine) -> Iterator[None]:
    """Queue SQLite writers on a lock that wakes the next one at once.

    SQLite takes one writer at a time and makes the others retry in its busy handler,
    which sleeps up to 100 ms between tries; under concurrent requests that sleeping,
    not the work, sets the latency. A thread lock plus an flock on a file beside the
    database (shared by every worker process) hands the turn over immediately.
    Other databases need nothing here.
    """
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:":
        yield
        return
    with _WRITE_LOCKS_GUARD:
        if path not in _WRITE_LOCKS:
            fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
            _WRITE_LOCKS[path] = (threading.Lock(), fd)
        thread_lock, fd = _WRITE_LOCKS[path]
    with thread_lock:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)


def one_of(column: Any, name: str, postgresql: bool, item_type: Any = None) -> Any:
    """`column IN (:name)`, the values bound as a list. On PostgreSQL one array parameter
    (`= ANY`): the statement is the same whatever the number of values, and the driver
    converts one parameter instead of one placeholder per value (on statements too long
    for its cache, that conversion was a third of reading a sender's batch). Elsewhere
    an expanding IN. `item_type`: the values' SQL type, when `column` is an expression
    without one (a function of a column)."""
    if postgresql:
        return column == any_(bindparam(name, type_=ARRAY(item_type or column.type)))
    return column.in_(bindparam(name, expanding=True))


def init_app(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    engine = make_engine(url)
    if make_url(url).database in (None, "", ":memory:"):
        statements = engine.execution_options(isolation_level="AUTOCOMMIT")  # one database
    else:
        statements = make_engine(url, autocommit=True)
    app.extensions[_EXT] = Database(
        engine, sessionmaker(engine, expire_on_commit=False), statements
    )
    app.teardown_appcontext(_close_request_session)


def get_database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions[_EXT]


def get_engine() -> Engine:
    return get_database().engine


def get_statements_engine(app: Flask | None = None) -> Engine:
    return get_database(app).statements


def get_session() -> Session:
    """The session of the current app context (request or command)."""
    if "db_session" not in g:
        g.db_session = get_database().sessions()
    return g.db_session


def _close_request_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


@contextmanager
def session_scope(app: Flask | None = None) -> Iterator[Session]:
    """A session committed on success and rolled back on error."""
    session = get_database(app).sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


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
