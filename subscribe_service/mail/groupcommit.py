"""Group commit: rows that concurrent requests insert are written in one statement.

A web worker answers several requests at once (gevent greenlets in production, threads
elsewhere; the threading primitives here are gevent's once it has patched them). Each
request hands its row to the table's `GroupCommit` and returns once the row is
committed, as if it had written alone. The first request to arrive while nothing is
being written writes every row handed over so far; rows arriving during that write wait
for it and then go out together, written by the first of them. One multi-row INSERT is
one round trip, one transaction and one WAL flush on PostgreSQL (one write-lock turn on
SQLite) for the whole group, which is most of what a row costs the database. Before
taking its group, the writing request yields once: under gevent, every request its
worker can run at that moment gets this far and joins. Nobody waits for a timer: an idle
server writes each row at once, a busy one in groups as large as its concurrency.
(Waiting a moment for requests still under way made larger groups, but left the worker
idle while the whole group waited for the database: fewer requests per second. The yield
gathers only what is ready: on PostgreSQL with 8 connections it took the rows per commit
from 2 to 3.8, and subscribe answered about a fifth more requests per second.)

The INSERT goes to the driver directly (SQL and type conversions prepared once per
table and dialect): on this path SQLAlchemy's per-statement work cost more CPU than the
database's own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from sqlalchemy import Engine as DbEngine  # SQLAlchemy's, not the delivery engine
from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError

from subscribe_service.infra.db import without_detail

Row = dict[str, Any]
GROUP_MAX = 200  # rows per statement, far under SQLite's limit on bound parameters
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


class _Entry:
    __slots__ = ("done", "error", "leads", "row", "ticket")

    def __init__(self, row: Row, ticket: Any) -> None:
        self.row = row
        self.ticket = ticket
        self.done = threading.Event()
        self.error: BaseException | None = None
        self.leads = False  # set when this entry's thread is to write the next group


class GroupCommit:
    """Inserts into `columns` of `table` through the autocommit `engine`, grouped.

    `turn` is entered around each write (SQLite's cross-process write lock). `admit`,
    when set, decides for a whole group at once which rows may be written: given the
    tickets of the rows that have one, it returns for each None or the exception that
    request answers with instead (the rate limits).
    """

    def __init__(
        self,
        engine: DbEngine,
        table: Table,
        columns: Sequence[str],
        *,
        turn: Callable[[], AbstractContextManager[None]] = nullcontext,
    ) -> None:
        self._statement = _DriverInsert(engine, table, columns)
        self._turn = turn
        self._mutex = threading.Lock()
        self._pending: list[_Entry] = []
        self._writing = False
        self.admit: Callable[[list[Any]], list[Exception | None]] | None = None
        self.groups_written = 0  # how well rows group (the tests read these)
        self.rows_written = 0

    def insert(self, row: Row, ticket: Any = None) -> None:
        """Insert `row`; return once it is committed, or raise what refused or failed it."""
        entry = _Entry(row, ticket)
        with self._mutex:
            self._pending.append(entry)
            leads = not self._writing
            self._writing = True
        if not leads:
            entry.done.wait()
            leads = entry.leads
        if leads:
            # One turn for whatever else the worker can run right now (requests whose
            # bytes have arrived): they reach this writer before the group is taken and
            # share its commit. No timer: nothing ready, no wait.
            time.sleep(0)
            self._write_pending()
        if entry.error is not None:
            raise entry.error

    def _write_pending(self) -> None:
        with self._mutex:
            group, self._pending = self._pending[:GROUP_MAX], self._pending[GROUP_MAX:]
        admitted = group
        try:
            admitted = self._admitted(group)
            if admitted:
                with self._turn():
                    self._statement.execute([e.row for e in admitted])
                self.groups_written += 1
                self.rows_written += len(admitted)
        except BaseException as err:  # every request of the group still waiting gets it
            for entry in admitted:
                entry.error = err
        for entry in group:
            entry.done.set()
        with self._mutex:
            if self._pending:
                # Hand over to the first waiting request: its thread writes the next group.
                successor = self._pending[0]
                successor.leads = True
                successor.done.set()
            else:
                self._writing = False

    def _admitted(self, group: list[_Entry]) -> list[_Entry]:
        """The entries `admit` lets through; the others get their refusal as error."""
        ticketed = [e for e in group if e.ticket is not None]
        if self.admit is None or not ticketed:
            return group
        for entry, refusal in zip(ticketed, self.admit([e.ticket for e in ticketed]), strict=True):
            entry.error = refusal
        return [e for e in group if e.error is None]


class _DriverInsert:
    """INSERT INTO table (columns) VALUES (...), (...) on a driver connection of its own.

    Only the thread writing the current group uses it (GroupCommit writes one group at a
    time), so one connection, kept between writes, serves every group: no pool checkout
    and checkin per write.
    """

    def __init__(self, engine: DbEngine, table: Table, columns: Sequence[str]) -> None:
        dialect = engine.dialect
        self._engine = engine
        self._columns = list(columns)
        self._convert = [
            table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
        ]
        quote = dialect.identifier_preparer.quote
        self._head = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) VALUES "
        )
        # psycopg takes PostgreSQL's own placeholders ($1, $2, ...) through a raw cursor as
        # they are; its %s ones are rewritten at every execute, with a cache only for
        # statements of up to 50 parameters (7 rows): that rewriting cost a group more CPU
        # than anything else in it.
        self._native = dialect.driver == "psycopg"
        self._placeholder = _PLACEHOLDERS[dialect.paramstyle]
        self._sql: dict[int, str] = {}
        self._connection: Any = None
        self._cursor: Any = None

    def execute(self, rows: list[Row]) -> None:
        """One statement, committed by the driver's autocommit; a connection the
        database dropped (a restart: the engine does not pre-ping) is replaced once.

        If a connection broke after the database committed the rows but before its
        answer arrived, the retry writes them twice: each is a mail request, so the
        worst case is a duplicate confirmation mail, where failing could lose a request
        that its sender believes failed although it succeeded.
        """
        sql = self._sql.get(len(rows)) or self._sql.setdefault(len(rows), self._text(len(rows)))
        params = [
            convert(row[name]) if convert else row[name]
            for row in rows
            for name, convert in zip(self._columns, self._convert, strict=True)
        ]
        dialect = self._engine.dialect
        for attempt in (1, 2):
            try:
                # Inside the try: the pool hands out the driver's own error when the
                # database cannot be reached at all, unwrapped.
                cursor = self._cursor or self._open()
                cursor.execute(sql, params)
                return
            except dialect.loaded_dbapi.Error as err:
                disconnected = self._cursor is not None and dialect.is_disconnect(
                    err, self._connection, self._cursor
                )
                if disconnected:
                    self._drop(err)
                if attempt == 2 or not disconnected:
                    # As SQLAlchemy would raise it (OperationalError is answered with 503).
                    # Its values (addresses) stay out of the message, as the engine's do.
                    raise DBAPIError.instance(
                        sql,
                        params,
                        without_detail(err),
                        dialect.loaded_dbapi.Error,
                        hide_parameters=True,
                    ) from err

    def _text(self, count: int) -> str:
        """The statement for `count` rows."""
        width = len(self._columns)
        if self._native:
            rows = (
                "(" + ", ".join(f"${row * width + i}" for i in range(1, width + 1)) + ")"
                for row in range(count)
            )
        else:
            rows = ("(" + ", ".join([self._placeholder] * width) + ")" for _ in range(count))
        return self._head + ", ".join(rows)

    def _open(self) -> Any:
        self._connection = self._engine.raw_connection()
        if self._native:
            from psycopg import RawCursor

            self._cursor = RawCursor(self._connection.driver_connection)
        else:
            self._cursor = self._connection.cursor()
        return self._cursor

    def _drop(self, err: BaseException) -> None:
        """Forget a connection the database dropped; the pool discards it too."""
        self._connection.invalidate(err)
        self._connection = self._cursor = None
