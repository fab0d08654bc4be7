"""One bad message never stops the queue: it is failed (or retried) with its reason, and
the rest of its batch is delivered, against a real SMTP server on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from subscribe_service.infra.db import session_scope
from subscribe_service.infra.models import OutboxMessage, utcnow
from subscribe_service.mail import message as mail_message
from subscribe_service.mail import smtp
from tests.subscribe_service.mail.test_sender import add_subscriber, queue_probe, row, with_probe


@pytest.fixture
def make_app(make_app):
    """Every app of this module (`backend_app` too) knows the test kind."""
    return lambda **config: with_probe(make_app(**config))


@pytest.fixture
def app(backend_app):
    return backend_app


def all_rows(app) -> list[OutboxMessage]:
    with app.app_context(), session_scope(app) as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def queue_good(app, names: list[str]) -> list[int]:
    return [
        queue_probe(app, f"{n}@example.com", add_subscriber(app, f"{n}@example.com")) for n in names
    ]


def test_a_batch_with_poison_in_the_middle_delivers_everything_else(app, smtp_server):
    """Rows queued before addresses were checked at the door (or by other code): an
    internationalised domain in Unicode, a local part only SMTPUTF8 could carry, and a
    renderer that raises; eight good mails around them."""
    before = queue_good(app, ["a0", "a1", "a2", "a3"])
    unicode_domain = queue_probe(
        app, "user@bücher.example", add_subscriber(app, "user@bücher.example")
    )
    non_ascii_local = queue_probe(app, "пример@пример.рф", add_subscriber(app, "пример@пример.рф"))
    broken = queue_probe(
        app, "bug@example.com", add_subscriber(app, "bug@example.com"), explode=True
    )
    after = queue_good(app, ["b0", "b1", "b2", "b3"])

    result = app.test_cli_runner().invoke(args=["send", "--once"])

    assert result.exit_code == 0, result.output
    assert "9 sent" in result.output and "2 failed" in result.output
    delivered = sorted(r.recipients[0] for r in smtp_server.received)
    assert len(delivered) == 9
    assert delivered == sorted(
        [f"{n}@example.com" for n in ("a0", "a1", "a2", "a3", "b0", "b1", "b2", "b3")]
        + ["user@xn--bcher-kva.example"]
    )
    assert {row(app, pk).status for pk in before + after + [unicode_domain]} == {"sent"}
    local = row(app, non_ascii_local)
    assert local.status == "failed" and local.attempts == 1  # not retried: it cannot work
    assert "SMTPUTF8" in local.last_error
    bug = row(app, broken)
    assert bug.status == "failed" and bug.attempts == 3  # SEND_MAX_ATTEMPTS, never more
    assert "template bug" in bug.last_error
    assert not [r.id for r in all_rows(app) if r.status in ("queued", "sending")]


def test_an_exception_at_rcpt_fails_that_message_and_the_batch_goes_on(
    app, smtp_server, monkeypatch
):
    """The original failure: smtplib raising UnicodeEncodeError while writing RCPT TO
    (the A-label conversion is switched off to get there again)."""
    monkeypatch.setattr(mail_message, "wire_address", lambda recipient: recipient)
    monkeypatch.setattr(smtp, "wire_address", lambda recipient: recipient)
    before = queue_good(app, ["c0", "c1"])
    poison = queue_probe(app, "user@bücher.example", add_subscriber(app, "user@bücher.example"))
    after = queue_good(app, ["d0", "d1"])

    result = app.test_cli_runner().invoke(args=["send", "--once"])

    assert result.exit_code == 0, result.output
    assert "4 sent" in result.output and "1 failed" in result.output
    assert len(smtp_server.received) == 4
    assert {row(app, pk).status for pk in before + after} == {"sent"}
    failed = row(app, poison)
    assert failed.status == "failed" and "UnicodeEncodeError" in failed.last_error
    assert failed.lease_owner is None and failed.attempts == 1
    # All four went over the batch's sessions: the poisoned one was reset, not dropped.
    assert smtp_server.handler.sessions == app.config["SEND_CONNECTIONS"] == 2


def test_rows_out_of_attempts_are_failed_not_sent(app, smtp_server):
    """Rows whose attempts reached the maximum (left by an older sender that counted
    past it, or by one that died during its last attempt) are failed when claimed."""
    over = queue_good(app, ["over"])[0]
    dead = queue_good(app, ["dead"])[0]
    fresh = queue_good(app, ["fresh"])[0]
    with app.app_context(), session_scope(app) as s:
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == over)
            .values(attempts=7, last_error="451 try later")
        )
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == dead)
            .values(status="sending", attempts=3, lease_owner="gone", lease_until=utcnow())
        )

    result = app.test_cli_runner().invoke(args=["send", "--once"])

    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output and "2 failed" in result.output
    assert [r.recipients for r in smtp_server.received] == [["fresh@example.com"]]
    gave_up = row(app, over)
    assert (gave_up.status, gave_up.attempts, gave_up.last_error) == ("failed", 7, "451 try later")
    crashed = row(app, dead)
    assert crashed.status == "failed" and crashed.attempts == 3 and crashed.lease_owner is None
    assert "all 3 attempts used" in crashed.last_error
    assert row(app, fresh).status == "sent"


def test_send_once_with_the_server_unreachable_retries_and_exits_0(make_app, smtp_server):
    """What it did before: nothing could be sent, every row waits for its next attempt,
    and the command reports that rather than failing."""
    app = make_app(SEND_BACKOFF_SECONDS=60)
    pk = queue_good(app, ["e0"])[0]
    smtp_server.stop()
    result = app.test_cli_runner().invoke(args=["send", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 retried" in result.output
    assert row(app, pk).status == "queued" and row(app, pk).lease_owner is None
