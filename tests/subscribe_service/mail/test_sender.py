"""The outbox sender against a real SMTP server: retries, bounces, leases, cancellation."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import select, update

from subscribe_service.infra.db import session_scope
from subscribe_service.infra.models import OutboxMessage, Subscriber, Suppression, utcnow
from subscribe_service.mail import claim, outbox, store
from subscribe_service.mail.renderers import render_mail
from subscribe_service.mail.sender import drain, poll
from subscribe_service.registry import get_registry


def render_probe(session, message):
    """A test kind that, like a notice, is only for confirmed subscribers."""
    subscriber = session.get(Subscriber, message.subscriber_id)
    if subscriber is None or subscriber.status != "confirmed":
        return None
    if message.payload.get("explode"):
        raise RuntimeError("template bug")
    return render_mail(
        "manage",
        subject=f"Probe {message.payload.get('n', 0)}",
        list_id="Probe <probe.127.0.0.1>",
        unsubscribe_url="http://127.0.0.1:8000/unsubscribe/x",
        subscriber=subscriber,
        manage_url="http://127.0.0.1:8000/manage/x",
    )


def add_subscriber(app, email: str, status: str = "confirmed") -> int:
    with app.app_context(), session_scope(app) as s:
        sub = Subscriber(email=email, status=status, token_version=1, created_at=utcnow())
        s.add(sub)
        s.flush()
        return sub.id


def queue_probe(app, email: str, subscriber_id: int, **payload) -> int:
    with app.app_context(), session_scope(app) as s:
        return outbox.enqueue(
            s, kind="probe", recipient=email, payload=payload, subscriber_id=subscriber_id
        ).id


def row(app, pk: int) -> OutboxMessage:
    with app.app_context(), session_scope(app) as s:
        return s.get(OutboxMessage, pk)


def with_probe(app):
    """`app` with the test kind "probe" registered, as create_app registers the real ones."""
    get_registry(app).mail_kind("probe", render_probe)
    return app


@pytest.fixture
def make_app(make_app):
    """Every app of this module (`backend_app` too) knows the test kind."""
    return lambda **config: with_probe(make_app(**config))


@pytest.fixture
def app(backend_app):
    return backend_app


def test_one_set_of_sessions_per_batch_and_each_row_records_the_reply(app, smtp_server):
    ids = [
        queue_probe(app, f"r{i}@example.com", add_subscriber(app, f"r{i}@example.com"), n=i)
        for i in range(5)
    ]
    counts = drain(app)
    assert counts.sent == 5
    assert smtp_server.handler.sessions == app.config["SEND_CONNECTIONS"] == 2
    received = {m["To"]: m for m in smtp_server.messages}
    for i, pk in enumerate(ids):
        sent = row(app, pk)
        assert sent.status == "sent" and sent.sent_at is not None and sent.lease_owner is None
        assert sent.smtp_reply.startswith("250 ")
        assert received[f"r{i}@example.com"]["Message-ID"] == sent.message_id


def test_temporary_refusal_is_retried_with_the_same_message_id(app, smtp_server):
    pk = queue_probe(app, "slow@example.com", add_subscriber(app, "slow@example.com"))
    smtp_server.refuse("slow@example.com", "451 4.7.1 Try again later", times=2)
    counts = drain(app)  # backoff 0 in tests: retried at once, up to 3 attempts
    assert (counts.retried, counts.sent) == (2, 1)
    sent = row(app, pk)
    assert sent.status == "sent" and sent.attempts == 3
    [mail] = smtp_server.messages
    assert mail["Message-ID"] == sent.message_id


def test_backoff_keeps_the_message_queued_until_due(make_app, smtp_server):
    app = make_app(SEND_BACKOFF_SECONDS=60)
    pk = queue_probe(app, "later@example.com", add_subscriber(app, "later@example.com"))
    smtp_server.refuse("later@example.com", "450 4.2.1 Mailbox busy", times=1)
    before = utcnow()
    assert drain(app).retried == 1
    waiting = row(app, pk)
    assert waiting.status == "queued" and "450" in waiting.last_error
    assert waiting.next_attempt_at >= before + dt.timedelta(seconds=59)
    assert drain(app).sent == 0  # not due yet
    with app.app_context(), session_scope(app) as s:
        s.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    assert drain(app).sent == 1


def test_permanent_refusal_bounces_and_suppresses_the_address(app, smtp_server):
    sid = add_subscriber(app, "gone@example.com")
    first = queue_probe(app, "gone@example.com", sid)
    ok = queue_probe(app, "fine@example.com", add_subscriber(app, "fine@example.com"))
    smtp_server.refuse("gone@example.com", "550 5.1.1 No such user")
    counts = drain(app)
    assert (counts.bounced, counts.sent) == (1, 1)
    assert row(app, first).status == "bounced" and row(app, first).smtp_reply.startswith("550")
    assert row(app, ok).status == "sent"
    with app.app_context(), session_scope(app) as s:
        assert s.get(Suppression, "gone@example.com") is not None
        assert s.get(Subscriber, sid).suppressed_at is not None
    # Never mailed again.
    later = queue_probe(app, "gone@example.com", sid)
    assert drain(app).cancelled == 1
    assert row(app, later).status == "cancelled"


def test_server_down_retries_then_fails_and_nothing_is_lost(make_app, smtp_server):
    app = make_app(SEND_MAX_ATTEMPTS=2)
    pk = queue_probe(app, "x@example.com", add_subscriber(app, "x@example.com"))
    smtp_server.stop()
    counts = drain(app)
    assert (counts.retried, counts.failed) == (1, 1)
    failed = row(app, pk)
    assert failed.status == "failed" and "connection" in failed.last_error.lower()


def test_server_down_then_up(make_app, smtp_server):
    app = make_app(SEND_BACKOFF_SECONDS=60)
    pk = queue_probe(app, "y@example.com", add_subscriber(app, "y@example.com"))
    smtp_server.stop()
    assert drain(app).retried == 1
    smtp_server.start()
    with app.app_context(), session_scope(app) as s:
        s.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    assert drain(app).sent == 1
    assert row(app, pk).status == "sent" and len(smtp_server.messages) == 1


def test_unsubscribed_after_queueing_gets_nothing(app, smtp_server):
    sid = add_subscriber(app, "left@example.com")
    pk = queue_probe(app, "left@example.com", sid)
    with app.app_context(), session_scope(app) as s:
        s.get(Subscriber, sid).status = "unsubscribed"
    assert drain(app).cancelled == 1
    assert row(app, pk).status == "cancelled" and smtp_server.messages == []


def test_a_broken_renderer_does_not_stop_the_queue(app, smtp_server):
    bad = queue_probe(app, "b@example.com", add_subscriber(app, "b@example.com"), explode=True)
    good = queue_probe(app, "g@example.com", add_subscriber(app, "g@example.com"))
    counts = drain(app)
    assert counts.sent == 1 and counts.failed == 1
    assert row(app, good).status == "sent"
    assert row(app, bad).status == "failed" and "template bug" in row(app, bad).last_error


def test_expired_lease_returns_to_the_queue(app, smtp_server):
    pk = queue_probe(app, "l@example.com", add_subscriber(app, "l@example.com"))
    with app.app_context(), session_scope(app) as s:
        assert claim.claim_batch(
            s, owner="crashed", limit=10, lease_seconds=300, skip_locked=False
        ) == claim.Batch([pk], [])
    assert drain(app).sent == 0  # leased to a sender that may still be working
    with app.app_context(), session_scope(app) as s:
        s.execute(update(OutboxMessage).values(lease_until=utcnow() - dt.timedelta(seconds=1)))
    assert drain(app).sent == 1
    with app.app_context(), session_scope(app) as s:
        # The crashed sender, coming back, cannot overwrite what the new one recorded.
        assert store.mark_sent(s, pk, "crashed", "250 late") is False
    assert row(app, pk).smtp_reply != "250 late"


def test_sending_rate_limit(make_app, smtp_server):
    app = make_app(SEND_RATE=20)
    for i in range(8):
        queue_probe(app, f"p{i}@example.com", add_subscriber(app, f"p{i}@example.com"))
    start = time.monotonic()
    assert drain(app).sent == 8
    assert time.monotonic() - start >= 7 / 20 * 0.95


def test_poll_sends_what_arrives_until_stopped(make_app, smtp_server):
    app = make_app(SEND_POLL_SECONDS=0.2)
    stop = threading.Event()
    thread = threading.Thread(target=poll, args=(app, stop.is_set), daemon=True)
    thread.start()
    try:
        queue_probe(app, "q@example.com", add_subscriber(app, "q@example.com"))
        deadline = time.monotonic() + 15
        while not smtp_server.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [m["To"] for m in smtp_server.messages] == ["q@example.com"]
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_send_once_command(runner, app, smtp_server):
    queue_probe(app, "c@example.com", add_subscriber(app, "c@example.com"))
    result = runner.invoke(args=["send", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output and "0 still queued" in result.output
    assert len(smtp_server.messages) == 1


@pytest.mark.postgres
def test_skip_locked_lets_two_senders_share_the_queue(make_app, pg_url, smtp_server):
    app = make_app(DATABASE_URL=pg_url)
    ids = [
        queue_probe(app, f"k{i}@example.com", add_subscriber(app, f"k{i}@example.com"))
        for i in range(6)
    ]
    with app.app_context(), session_scope(app) as holder:
        # Sender A is in the middle of claiming the first three rows (locked, not committed).
        locked = list(
            holder.scalars(
                select(OutboxMessage.id).order_by(OutboxMessage.id).limit(3).with_for_update()
            )
        )
        with session_scope(app) as other:
            claimed = claim.claim_batch(
                other, owner="B", limit=10, lease_seconds=60, skip_locked=True
            ).ids
        assert claimed == ids[3:] and locked == ids[:3]


def test_create_app_registers_the_service_mail_kinds(app):
    kinds = get_registry(app).mail_kinds
    assert {"confirm", "manage", "export", "notice", "dpa_request_copy", "probe"} <= set(kinds)
    # The confirm mail records its subscribe request in a step of its own, before the
    # renderer (which only reads).
    assert kinds["confirm"].before_send is not None
    assert all(kind.before_send is None for name, kind in kinds.items() if name != "confirm")


def test_a_long_batch_renews_its_lease(make_app, smtp_server):
    app = make_app(SEND_RATE=5, SEND_LEASE_SECONDS=1.0)
    ids = [
        queue_probe(app, f"n{i}@example.com", add_subscriber(app, f"n{i}@example.com"))
        for i in range(8)
    ]
    # 8 messages at 5/s take ~1.5 s, longer than the lease: a second sender polling
    # meanwhile must find nothing to take over.
    stolen: list[int] = []
    done = threading.Event()

    def rival() -> None:
        while not done.is_set():
            with app.app_context(), session_scope(app) as s:
                if s.scalar(select(OutboxMessage.id).where(OutboxMessage.status == "sending")):
                    stolen.extend(
                        claim.claim_batch(
                            s, owner="rival", limit=10, lease_seconds=60, skip_locked=False
                        ).ids
                    )
            time.sleep(0.05)

    thread = threading.Thread(target=rival)
    thread.start()
    try:
        assert drain(app).sent == 8
    finally:
        done.set()
        thread.join()
    assert stolen == []
    assert all(row(app, pk).status == "sent" for pk in ids)


def test_a_kind_with_a_maximum_of_its_own_is_given_up_at_that_maximum(app):
    """claim_batch(kind_max_attempts=): rows of such a kind are failed at their own
    ceiling, and say it; other kinds keep SEND_MAX_ATTEMPTS."""
    mail = queue_probe(app, "m@example.com", add_subscriber(app, "m@example.com"))
    patient = queue_probe(app, "p@example.com", add_subscriber(app, "p@example.com"))
    with app.app_context(), session_scope(app) as s:
        s.execute(update(OutboxMessage).values(attempts=3))
        s.execute(update(OutboxMessage).where(OutboxMessage.id == patient).values(kind="slow"))
        batch = claim.claim_batch(
            s, owner="A", limit=10, lease_seconds=60, skip_locked=False,
            max_attempts=3, kind_max_attempts={"slow": 5},
        )  # fmt: skip
    assert batch == claim.Batch([patient], [mail])
    assert row(app, mail).status == "failed"
    assert row(app, mail).last_error == "gave up: all 3 attempts used"
    with app.app_context(), session_scope(app) as s:
        s.execute(update(OutboxMessage).where(OutboxMessage.id == patient).values(
            attempts=5, status="queued", lease_owner=None, lease_until=None
        ))  # fmt: skip
        batch = claim.claim_batch(
            s, owner="A", limit=10, lease_seconds=60, skip_locked=False,
            max_attempts=3, kind_max_attempts={"slow": 5},
        )  # fmt: skip
    assert batch == claim.Batch([], [patient])
    assert row(app, patient).last_error == "gave up: all 5 attempts used"


def test_a_session_the_server_closes_mid_batch_loses_nothing(app, smtp_server):
    """One of the batch's sessions is told 421 (the server closes it) while the other has
    a mail under way: every mail not answered goes back and is sent on the next pass;
    at most one per session arrives twice, none is lost."""
    emails = [f"c{i}@example.com" for i in range(8)]
    ids = [queue_probe(app, e, add_subscriber(app, e), n=i) for i, e in enumerate(emails)]
    smtp_server.refuse("c3@example.com", "421 4.3.2 Closing this session", times=1)

    started = time.monotonic()
    counts = drain(app)  # backoff 0 in tests: what went back is due again at once

    # The other session, left in the middle of its mail, was dropped rather than sent a
    # QUIT the server would have read as mail data (and the sender waited SMTP_TIMEOUT).
    assert time.monotonic() - started < app.config["SMTP_TIMEOUT"]
    assert counts.sent == len(emails) and counts.retried >= 1
    got = [r.lower() for m in smtp_server.received for r in m.recipients]
    assert set(got) == set(emails)
    assert len(got) - len(set(got)) <= app.config["SEND_CONNECTIONS"]
    assert {row(app, pk).status for pk in ids} == {"sent"}
    assert row(app, ids[3]).attempts == 2  # refused once, sent on the next pass
    assert row(app, ids[0]).attempts == 1  # answered before the loss: never sent again
