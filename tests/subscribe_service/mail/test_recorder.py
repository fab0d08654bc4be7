"""Recording sent mails (mail/recorder.py), on SQLite and PostgreSQL: what is stored, when
it is visible to others, and what a failure of the database looks like."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from subscribe_service.infra import db
from subscribe_service.infra.db import get_database, session_scope
from subscribe_service.infra.models import OutboxMessage, OutboxStatus, utcnow
from subscribe_service.mail import outbox
from subscribe_service.mail.recorder import (
    PipelinedRecorder,
    PlainRecorder,
    RecordingFailed,
    recorder_for,
    stored_text,
)
from subscribe_service.mail.suppressions import REPLY_MAX

OWNER = "host:1:abcdef12"


def leased_rows(app, count: int, owner: str = OWNER) -> list[int]:
    with app.app_context(), session_scope(app) as s:
        ids = [
            outbox.enqueue(s, kind="probe", recipient=f"r{i}@example.com", payload={}).id
            for i in range(count)
        ]
        s.flush()
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(status=OutboxStatus.SENDING, lease_owner=owner, lease_until=utcnow())
        )
    return ids


def statuses_seen_by(connection) -> dict[int, str]:
    rows = connection.execute(select(OutboxMessage.id, OutboxMessage.status))
    return {pk: status for pk, status in rows}


def stored(app, pk: int) -> OutboxMessage:
    with app.app_context(), session_scope(app) as s:
        row = s.get(OutboxMessage, pk)
        assert row is not None
        s.expunge(row)
        return row


def test_the_recorder_fits_the_database(backend_app):
    engine = get_database(backend_app).engine
    with db.recording_connection(engine) as connection:
        recorder = recorder_for(connection)
    postgresql = engine.dialect.name == "postgresql"
    assert isinstance(recorder, PipelinedRecorder if postgresql else PlainRecorder)


def test_a_hostile_reply_is_stored_without_nul_and_capped(backend_app):
    (pk,) = leased_rows(backend_app, 1)
    reply = "250 ok\x00 queued" + "\x00" * 50 + "é" * (REPLY_MAX * 3)
    with db.recording_connection(get_database(backend_app).engine) as connection:
        recorder = recorder_for(connection)
        recorder.record(pk, OWNER, reply)
        recorder.catch_up()
    row = stored(backend_app, pk)
    assert row.status == "sent" and row.lease_owner is None and row.sent_at is not None
    assert row.smtp_reply == stored_text(reply)
    assert "\x00" not in row.smtp_reply and len(row.smtp_reply) == REPLY_MAX
    assert row.smtp_reply.startswith("250 ok queued")


def test_each_mark_is_committed_once_caught_up_and_at_most_one_is_unanswered(backend_app):
    ids = leased_rows(backend_app, 5)
    engine = get_database(backend_app).engine
    with db.recording_connection(engine) as connection:
        recorder = recorder_for(connection)
        for k, pk in enumerate(ids):
            recorder.record(pk, OWNER, f"250 #{k}")
            # Recording a mark answers the one before: everything earlier is committed.
            with engine.connect() as other:
                statuses = statuses_seen_by(other)
            assert all(statuses[earlier] == "sent" for earlier in ids[:k]), (k, statuses)
        recorder.catch_up()
        with engine.connect() as other:
            statuses = statuses_seen_by(other)
        assert all(statuses[pk] == "sent" for pk in ids)
    assert [stored(backend_app, pk).smtp_reply for pk in ids] == [f"250 #{k}" for k in range(5)]


def test_a_sender_that_lost_its_lease_records_nothing(backend_app):
    (pk,) = leased_rows(backend_app, 1, owner="someone-else")
    with db.recording_connection(get_database(backend_app).engine) as connection:
        recorder = recorder_for(connection)
        recorder.record(pk, OWNER, "250 late")
        recorder.catch_up()
    row = stored(backend_app, pk)
    assert (row.status, row.lease_owner, row.smtp_reply) == ("sending", "someone-else", None)


@pytest.mark.postgres
def test_the_statement_is_prepared_once_per_connection(make_app, pg_url):
    app = make_app(DATABASE_URL=pg_url)
    ids = leased_rows(app, 6)
    engine = get_database(app).engine
    for pk in ids:  # each batch takes a recording connection from the pool again
        with db.recording_connection(engine) as connection:
            recorder = recorder_for(connection)
            recorder.record(pk, OWNER, "250 ok")
            recorder.catch_up()
    assert {stored(app, pk).status for pk in ids} == {"sent"}


@pytest.mark.postgres
def test_a_refused_mark_raises_recording_failed_naming_the_row(make_app, pg_url):
    app = make_app(DATABASE_URL=pg_url)
    (pk,) = leased_rows(app, 1)
    engine = get_database(app).engine
    beyond = 2**40  # no outbox id: the database refuses the statement (out of range)
    refused = pytest.raises(RecordingFailed, match=rf"#{beyond} as sent failed: .*out of range")
    with refused, db.recording_connection(engine) as connection:
        recorder = recorder_for(connection)
        recorder.record(beyond, OWNER, "250 ok")
        recorder.record(pk, OWNER, "250 ok")  # reads the refusal first
    assert stored(app, pk).status == "sending"
    # The connection was dropped, not pooled half-used: the next batch records as usual.
    with db.recording_connection(engine) as connection:
        recorder = recorder_for(connection)
        recorder.record(pk, OWNER, "250 ok")
        recorder.catch_up()
    assert stored(app, pk).status == "sent"


@pytest.mark.postgres
def test_a_connection_the_database_dropped_raises_recording_failed(make_app, pg_url):
    app = make_app(DATABASE_URL=pg_url)
    (pk,) = leased_rows(app, 1)
    engine = get_database(app).engine
    failed = pytest.raises(RecordingFailed, match=rf"#{pk} as sent")
    with failed, db.recording_connection(engine) as connection:
        recorder = recorder_for(connection)
        backend = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with engine.connect() as other:
            other.exec_driver_sql(f"SELECT pg_terminate_backend({int(backend)})")
        recorder.record(pk, OWNER, "250 ok")
        recorder.catch_up()
    assert stored(app, pk).status == "sending"  # sent again once its lease runs out
