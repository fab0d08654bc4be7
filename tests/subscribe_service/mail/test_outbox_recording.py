"""Recording sent mails on the sender's own autocommit connection, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from subscribe_service.infra import db
from subscribe_service.infra.db import get_database, session_scope
from subscribe_service.infra.models import OutboxMessage, Subscriber, utcnow
from subscribe_service.mail import outbox
from subscribe_service.mail.renderers import render_mail
from subscribe_service.mail.sender import drain
from subscribe_service.registry import get_registry
from subscribe_service.subscribers.lifecycle import record_request
from subscribe_service.subscribers.mails import render_confirm

# Per rendered message: the statuses other connections saw at that moment.
SEEN: dict[int, dict[int, str]] = {}


def render_recording_probe(session, message):
    """Looks at the outbox from another connection while the sender renders."""
    engine = session.get_bind()
    with engine.connect() as other:
        rows = other.execute(select(OutboxMessage.id, OutboxMessage.status)).all()
    SEEN[message.id] = {pk: status for pk, status in rows}
    subscriber = session.get(Subscriber, message.subscriber_id)
    return render_mail(
        "manage",
        subject="Recording probe",
        list_id="Probe <probe.127.0.0.1>",
        unsubscribe_url="http://127.0.0.1:8000/unsubscribe/x",
        subscriber=subscriber,
        manage_url="http://127.0.0.1:8000/manage/x",
    )


def queue(app, count: int) -> list[int]:
    get_registry(app).mail_kind("recording-probe", render_recording_probe)
    ids = []
    with app.app_context(), session_scope(app) as s:
        for i in range(count):
            email = f"r{i}@example.com"
            sub = Subscriber(email=email, status="confirmed", token_version=1, created_at=utcnow())
            s.add(sub)
            s.flush()
            message = outbox.enqueue(
                s, kind="recording-probe", recipient=email, payload={}, subscriber_id=sub.id
            )
            ids.append(message.id)
    return ids


def test_each_accepted_mail_is_committed_before_the_next_one_goes_out(backend_app, smtp_server):
    SEEN.clear()
    ids = queue(backend_app, 6)
    assert drain(backend_app).sent == 6
    assert len(smtp_server.messages) == 6
    # Mail k is rendered while the mails before it are with the server, one per SMTP
    # session; every mail before those must be committed as sent by then, visible to
    # any other connection.
    sessions = backend_app.config["SEND_CONNECTIONS"]
    assert sessions == 2
    for k, pk in enumerate(ids):
        for earlier in ids[: max(k - sessions, 0)]:
            assert SEEN[pk][earlier] == "sent", (k, earlier, SEEN[pk])
    with session_scope(backend_app) as s:
        statuses = s.scalars(select(OutboxMessage.status).where(OutboxMessage.id.in_(ids)))
        assert set(statuses) == {"sent"}


@pytest.mark.postgres
def test_the_relaxed_commit_setting_never_reaches_other_users_of_the_pool(make_app, pg_url):
    engine = get_database(make_app(DATABASE_URL=pg_url)).engine
    with engine.connect() as plain:
        default = plain.execute(text("SHOW synchronous_commit")).scalar()
    assert default != "off"  # the server's own setting, which the test is about
    with db.recording_connection(engine) as recorder:
        assert recorder.execute(text("SHOW synchronous_commit")).scalar() == "off"
        raw = recorder.connection.dbapi_connection
    # Back in the pool with the server's default again.
    assert raw.execute("SHOW synchronous_commit").fetchone()[0] == default
    raw.rollback()

    with pytest.raises(RuntimeError), db.recording_connection(engine) as recorder:
        raw = recorder.connection.dbapi_connection
        raise RuntimeError("the batch failed")
    assert raw.closed  # dropped, not pooled with the setting still off


@pytest.mark.timeout(60)
def test_a_confirm_mail_that_records_its_request_is_sent_and_recorded(backend_app, smtp_server):
    """The confirm mail's step before rendering writes (it records the API's subscribe
    request) in the batch's session; recording the mail as sent must not wait on that
    session."""
    response = backend_app.test_client().post(
        "/api/subscriptions", json={"email": "new@example.com", "topics": ["subprocessors"]}
    )
    assert response.status_code in (200, 201, 202), response.get_data(as_text=True)
    assert drain(backend_app).sent == 1
    assert len(smtp_server.messages) == 1
    with session_scope(backend_app) as s:
        subscriber = s.scalar(select(Subscriber).where(Subscriber.email == "new@example.com"))
        assert subscriber is not None
        sent = s.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "new@example.com"))
        assert sent.status == "sent" and sent.subscriber_id == subscriber.id


def test_the_confirm_renderer_only_reads(app):
    """The subscribe request is recorded by the confirm kind's step before sending
    (subscribers.lifecycle.record_request); the renderer itself writes nothing."""
    response = app.test_client().post(
        "/api/subscriptions", json={"email": "reader@example.com", "topics": ["dpa"]}
    )
    assert response.status_code == 202
    with app.app_context(), session_scope(app) as s:
        row = s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "confirm"))
        assert row.subscriber_id is None
        assert render_confirm(s, row) is None  # nothing recorded yet: nothing to confirm
        assert not s.new and not s.dirty
        record_request(s, row)
        s.flush()
        assert row.subscriber_id is not None
        mail = render_confirm(s, row)
        assert mail is not None and "/confirm/" in mail.text
        assert not s.new and not s.dirty and not s.deleted
