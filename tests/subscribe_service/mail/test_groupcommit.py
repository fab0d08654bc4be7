"""Group commit of the API's outbox rows: every row committed once, errors reach every
request of their group, and a dropped connection."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import OperationalError

from subscribe_service.infra.db import get_database
from subscribe_service.infra.models import OutboxMessage, utcnow
from subscribe_service.mail.groupcommit import GroupCommit

OUTBOX = OutboxMessage.__table__
COLUMNS = ("kind", "recipient", "payload", "status", "attempts", "next_attempt_at", "created_at")


def row(n: int) -> dict:
    now = utcnow()
    return {
        "kind": "confirm",
        "recipient": f"g{n}@example.com",
        "payload": {"topics": ["dpa"], "n": n},
        "status": "queued",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def recipients(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.scalars(select(OUTBOX.c.recipient)))


@pytest.fixture
def engine(backend_app) -> Engine:
    return get_database(backend_app).statements


def test_rows_of_concurrent_requests_share_commits_and_none_is_lost(engine):
    first_write = threading.Event()

    @contextmanager
    def slow_first_turn():
        # The first write takes a while, so the other requests pile up behind it.
        if not first_write.is_set():
            first_write.set()
            time.sleep(0.2)
        yield

    writer = GroupCommit(engine, OUTBOX, COLUMNS, turn=slow_first_turn)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: writer.insert(row(n)), range(8)))
    assert recipients(engine) == sorted(f"g{n}@example.com" for n in range(8))
    assert writer.rows_written == 8
    assert writer.groups_written < 8  # the seven that waited went out together
    with engine.connect() as connection:
        payloads = list(connection.scalars(select(OUTBOX.c.payload)))
    assert sorted(p["n"] for p in payloads) == list(range(8))  # JSON stored as JSON


def test_a_failed_write_fails_every_request_of_its_group_and_the_next_group_works(engine):
    started, release = threading.Event(), threading.Event()
    calls = []

    @contextmanager
    def failing_first_turn():
        calls.append(1)
        if len(calls) == 1:
            started.set()
            release.wait(5)  # hold the first write until the others have queued
            raise OperationalError("INSERT", {}, Exception("database is down"))
        yield

    writer = GroupCommit(engine, OUTBOX, COLUMNS, turn=failing_first_turn)
    results: dict[int, str] = {}

    def attempt(n: int) -> None:
        try:
            writer.insert(row(n))
            results[n] = "ok"
        except OperationalError:
            results[n] = "error"

    first = threading.Thread(target=attempt, args=(0,))
    first.start()
    started.wait(5)
    others = [threading.Thread(target=attempt, args=(n,)) for n in (1, 2, 3)]
    for thread in others:
        thread.start()
    time.sleep(0.2)  # the three are waiting for the failing write
    release.set()
    for thread in (first, *others):
        thread.join(10)
    # The first group (row 0) failed; rows 1-3 went out in the next group and succeeded.
    assert results == {0: "error", 1: "ok", 2: "ok", 3: "ok"}
    assert recipients(engine) == ["g1@example.com", "g2@example.com", "g3@example.com"]
    writer.insert(row(4))
    assert "g4@example.com" in recipients(engine)


def test_a_large_group_is_stored_value_for_value(engine):
    """Groups of any size, past 50 parameters (where psycopg stops caching its rewrite of
    %s placeholders; on PostgreSQL the writer sends its own $n ones) and of awkward
    values: every column of every row as it was handed over."""
    writer = GroupCommit(engine, OUTBOX, COLUMNS)
    for count in (1, 8, 60):
        rows = [row(1000 * count + n) for n in range(count)]
        rows[-1]["payload"] = {"text": "quote ' dollar $1 percent %s %(x)s \\ é", "n": -1}
        writer._statement.execute(rows)
        with engine.connect() as connection:
            stored = connection.execute(
                select(*(OUTBOX.c[c] for c in COLUMNS)).order_by(OUTBOX.c.id.desc()).limit(count)
            )
            assert [dict(r._mapping) for r in reversed(list(stored))] == rows


def test_subscribe_requests_reach_the_outbox_through_the_writer(backend_app):
    client = backend_app.test_client()
    with ThreadPoolExecutor(6) as pool:
        codes = list(
            pool.map(
                lambda n: (
                    client.post(
                        "/api/subscriptions", json={"email": f"s{n}@example.com"}
                    ).status_code
                ),
                range(6),
            )
        )
    assert codes == [202] * 6
    engine = get_database(backend_app).statements
    assert recipients(engine) == sorted(f"s{n}@example.com" for n in range(6))


@pytest.mark.postgres
def test_a_connection_the_database_dropped_is_replaced_and_the_row_kept(make_app, pg_url):
    app = make_app(DATABASE_URL=pg_url)
    engine = get_database(app).engine  # pre-pings: survives the restart below for reading
    client = app.test_client()
    assert client.post("/api/subscriptions", json={"email": "a@example.com"}).status_code == 202
    # A database restart, as the writer's kept connection sees it: its backend is gone.
    with engine.connect() as admin:
        killed = admin.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    assert killed >= 1
    assert client.post("/api/subscriptions", json={"email": "b@example.com"}).status_code == 202
    assert recipients(engine) == ["a@example.com", "b@example.com"]
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(OUTBOX)) == 2


def test_an_admission_that_fails_answers_its_group_and_blocks_nobody(engine):
    writer = GroupCommit(engine, OUTBOX, COLUMNS)

    def broken_admission(tickets: list) -> list:
        raise ConnectionError("limit store went away mid-call")

    writer.admit = broken_admission
    with pytest.raises(ConnectionError):
        writer.insert(row(0), ticket=("api.subscribe", "192.0.2.1", "to:g0@example.com"))
    writer.admit = lambda tickets: [None] * len(tickets)
    writer.insert(row(1), ticket=("api.subscribe", "192.0.2.1", "to:g1@example.com"))
    assert recipients(engine) == ["g1@example.com"]


def test_a_database_that_cannot_be_reached_answers_503_not_500():
    from subscribe_service import create_app

    app = create_app(
        {"DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/none", "SECRET_KEY": "x" * 32}
    )
    response = app.test_client().post("/api/subscriptions", json={"email": "a@example.com"})
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["Retry-After"] == "60"


GATHER_SCRIPT = """
from gevent import monkey

monkey.patch_all()

import sys

import gevent
from sqlalchemy import create_engine

from subscribe_service.mail.groupcommit import GroupCommit
from subscribe_service.infra.models import Base, OutboxMessage, utcnow

engine = create_engine(sys.argv[1])
Base.metadata.create_all(engine)
columns = ("kind", "recipient", "payload", "status", "attempts", "next_attempt_at", "created_at")
writer = GroupCommit(engine, OutboxMessage.__table__, columns)


def request(n):
    now = utcnow()
    writer.insert({"kind": "confirm", "recipient": f"r{n}@example.com", "payload": {},
                   "status": "queued", "attempts": 0, "next_attempt_at": now,
                   "created_at": now})


gevent.joinall([gevent.spawn(request, n) for n in range(10)])
print(writer.groups_written, writer.rows_written)
"""


def test_under_gevent_every_request_ready_to_run_joins_the_first_group(tmp_path):
    """Ten requests ready at once in a gevent worker: the first to reach the writer lets
    the others run before it takes its group, so all ten share one commit (without
    that turn, each wrote alone: SQLite's calls do not yield)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", GATHER_SCRIPT, f"sqlite:///{tmp_path / 'gather.db'}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "10"]
