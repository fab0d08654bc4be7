"""Delivery of notices when things go wrong: refusals, a server that is down, a sender that
is killed mid-batch, two senders at once. Real SMTP servers and real sender processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from subscribe_service.dev.smtpsink import SmtpSink, free_port
from subscribe_service.infra.db import session_scope
from subscribe_service.infra.models import Subscriber, Suppression
from tests.support.changes_data import NEW_SUBPROCESSOR
from tests.support.notices_helpers import add_subscriber_to, invoke, outbox_rows


def received_by(sink: SmtpSink) -> Counter[str]:
    """How many notices each address received."""
    return Counter(r for item in sink.received for r in item.recipients)


def queue_notice(app, changes_file, count: int) -> list[str]:
    addresses = [f"reader{i:03d}@client.example" for i in range(count)]
    for address in addresses:
        add_subscriber_to(app, address)
    result = invoke(app, "notify", "--all", str(changes_file(NEW_SUBPROCESSOR)))
    assert f"{count} deliveries queued" in result.output
    return addresses


def test_451_then_250_is_retried_and_sent_once(app, changes_file, smtp_server, send_all):
    queue_notice(app, changes_file, 3)
    smtp_server.refuse("reader001@client.example", "451 4.3.0 Mailbox busy, try later", times=1)

    counts = send_all(app)  # backoff is 0 in tests: the retry is due at once

    assert counts.sent == 3 and counts.retried == 1
    assert received_by(smtp_server) == Counter({f"reader00{i}@client.example": 1 for i in range(3)})
    [row] = outbox_rows(app, recipient="reader001@client.example")
    assert (row.status, row.attempts) == ("sent", 2)
    assert row.smtp_reply.startswith("250")


def test_550_bounces_and_suppresses_only_that_address(app, changes_file, smtp_server, send_all):
    queue_notice(app, changes_file, 3)
    smtp_server.refuse("reader002@client.example", "550 5.1.1 No such user here")

    counts = send_all(app)

    assert counts.sent == 2 and counts.bounced == 1
    assert "reader002@client.example" not in received_by(smtp_server)
    [row] = outbox_rows(app, recipient="reader002@client.example")
    assert row.status == "bounced" and row.smtp_reply.startswith("550 5.1.1")
    with app.app_context(), session_scope(app) as session:
        assert session.get(Suppression, "reader002@client.example") is not None
        bounced = session.scalar(
            select(Subscriber).where(Subscriber.email == "reader002@client.example")
        )
        assert bounced.suppressed_at is not None
    # The next notice skips the suppressed address.
    later = {**NEW_SUBPROCESSOR, "id": "subprocessors/2025-06-01", "version": "2025-06-01"}
    assert "2 deliveries queued" in invoke(app, "notify", str(changes_file(later))).output


def test_server_down_at_start_then_up_loses_nothing(make_app, changes_file, send_all):
    port = free_port()  # nothing listens here yet
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, SEND_BACKOFF_SECONDS=0.5)
    addresses = queue_notice(app, changes_file, 4)

    counts = send_all(app)
    assert counts.sent == 0 and counts.retried == 4
    rows = outbox_rows(app, kind="notice")
    assert {r.status for r in rows} == {"queued"}
    assert all("connection" in r.last_error for r in rows)

    sink = SmtpSink(port=port).start()
    try:
        time.sleep(0.6)  # the first retry becomes due
        counts = send_all(app)
        assert counts.sent == 4
        assert received_by(sink) == Counter(dict.fromkeys(addresses, 1))
    finally:
        sink.stop()
    assert {r.status for r in outbox_rows(app, kind="notice")} == {"sent"}


# --- real sender processes ---------------------------------------------------------------


def sender_env(app, **extra: object) -> dict[str, str]:
    """The environment a deployed `flask send` would run with, for this app's database."""
    cfg = app.config
    env = {**os.environ, "FLASK_APP": "subscribe_service"}
    values = {
        "SECRET_KEY": cfg["SECRET_KEY"],
        "DATABASE_URL": cfg["DATABASE_URL"],
        "SITE_URL": cfg["SITE_URL"],
        "MAIL_SERVER": cfg["MAIL_SERVER"],
        "MAIL_PORT": cfg["MAIL_PORT"],
        "SEND_BACKOFF_SECONDS": 0,
        "SEND_POLL_SECONDS": 0.2,
        **extra,
    }
    env.update({f"TRUSTSITE_{k}": str(v) for k, v in values.items()})
    return env


def start_sender(app, workdir: Path, name: str, *args: str, **extra: object) -> subprocess.Popen:
    log = (workdir / f"{name}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "subscribe_service", "send", *args],
        cwd=workdir,
        env=sender_env(app, **extra),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.mark.slow
def test_sender_killed_mid_batch_then_restarted_delivers_everyone(
    app, changes_file, smtp_server, tmp_path
):
    addresses = queue_notice(app, changes_file, 40)
    # Slow (5 messages/s: 8 s for the batch) so the kill lands mid-batch even on a busy
    # machine; short lease so the restart can take over the killed sender's claimed rows
    # quickly.
    sessions = 2
    sender = start_sender(
        app, tmp_path, "first", SEND_RATE=5, SEND_LEASE_SECONDS=2, SEND_CONNECTIONS=sessions
    )
    wait_until(lambda: len(smtp_server.received) >= 10, 60, "10 accepted messages")
    sender.send_signal(signal.SIGKILL)
    sender.wait(10)

    accepted_at_kill = len(smtp_server.received)
    recorded_sent = len(outbox_rows(app, status="sent"))
    # Accepted by the server but not yet recorded as sent: the only mails a restart can
    # send twice. The sender records each message as soon as it is accepted, and has
    # one mail under way per SMTP session, so: at most one per session.
    in_flight = accepted_at_kill - recorded_sent
    assert 0 <= in_flight <= sessions
    assert accepted_at_kill < len(addresses), "the sender finished before it was killed"

    time.sleep(2.2)  # the killed sender's leases expire
    restarted = start_sender(app, tmp_path, "second", "--once", SEND_RATE=0)
    assert restarted.wait(120) == 0, (tmp_path / "second.log").read_text()

    got = received_by(smtp_server)
    assert set(got) == set(addresses), "somebody never got the notice"
    duplicates = sum(got.values()) - len(got)
    assert duplicates <= in_flight
    assert {r.status for r in outbox_rows(app, kind="notice")} == {"sent"}


@pytest.mark.slow
@pytest.mark.postgres
def test_two_senders_on_postgresql_never_send_a_delivery_twice(
    make_app, pg_url, changes_file, smtp_server, tmp_path
):
    app = make_app(DATABASE_URL=pg_url)
    addresses = queue_notice(app, changes_file, 120)
    common = {"SEND_RATE": 30, "SEND_BATCH_SIZE": 10}
    senders = [start_sender(app, tmp_path, f"sender{i}", "--once", **common) for i in (1, 2)]
    for i, sender in enumerate(senders, 1):
        assert sender.wait(120) == 0, (tmp_path / f"sender{i}.log").read_text()

    got = received_by(smtp_server)
    assert got == Counter(dict.fromkeys(addresses, 1)), "a delivery was sent twice or lost"
    assert {r.status for r in outbox_rows(app, kind="notice")} == {"sent"}
    # Both took part: SKIP LOCKED shared the queue rather than serialising it.
    shares = [_sent_count(tmp_path / f"sender{i}.log") for i in (1, 2)]
    assert sum(shares) == len(addresses) and min(shares) > 0, shares


def _sent_count(log: Path) -> int:
    """`send --once` ends with "<n> sent, <n> retried, ..."."""
    for line in reversed(log.read_text().splitlines()):
        if " sent, " in line and "retried" in line:
            return int(line.split(" sent, ")[0].split()[-1])
    raise AssertionError(f"no summary line in {log}")
