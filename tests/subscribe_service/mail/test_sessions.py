"""Several SMTP sessions driven by one thread (sessions.py), against the aiosmtpd sink:
mails under way on each, every answer reported under its key, a relay that takes only
one connection, and one mail's own failure leaving the others alone."""

from __future__ import annotations

import logging
import socket

import pytest

from subscribe_service.mail import smtp as smtp_module
from subscribe_service.mail.interfaces import MessageFailed
from subscribe_service.mail.message import RenderedMail, build_message_bytes
from subscribe_service.mail.sessions import SmtpSessions
from subscribe_service.mail.smtp import SmtpConnection

CONFIG = {
    "SITE_URL": "https://trust.larkspur.example/",
    "MAIL_DEFAULT_SENDER": "Larkspur Relay <notices@trust.larkspur.example>",
    "COMPANY_NAME": "Larkspur Relay",
}


def wire(config, recipient: str) -> bytes:
    mail = RenderedMail(
        subject="Sub-processor change",
        text="Hello,\n\n.a dotted line\n",
        html="<p>Hello</p>",
        list_id="Larkspur Relay <subprocessors.trust.larkspur.example>",
        unsubscribe_url="https://trust.larkspur.example/unsubscribe/t",
        extra_headers={},
    )
    return build_message_bytes(config, mail, recipient)


def send_all(sessions: SmtpSessions, config, recipients: list[str]) -> dict[int, str]:
    """Start while there is room, take answers: {key: outcome or 'failed: ...'}."""
    outcomes: dict[int, str] = {}
    queue = list(enumerate(recipients))
    under_way = 0
    while queue or under_way:
        while queue and sessions.has_room(queue[0][1]):
            key, recipient = queue.pop(0)
            sessions.start(key, recipient, wire(config, recipient))
            under_way += 1
        try:
            key, result = sessions.next_answer()
            outcomes[key] = f"{result.outcome} {result.code}"
        except MessageFailed as failed:
            outcomes[failed.key] = f"failed: {type(failed.cause).__name__}"
        under_way -= 1
    return outcomes


def test_mails_go_out_over_every_session_each_answer_under_its_key(smtp_server):
    config = CONFIG | smtp_server.config
    smtp_server.refuse("gone@example.com", "550 5.1.1 No such user")
    recipients = [f"r{n}@example.com" for n in range(7)] + ["gone@example.com"]

    with SmtpSessions(lambda: SmtpConnection.for_config(config), 3) as sessions:
        outcomes = send_all(sessions, config, recipients)

    assert outcomes == {n: "accepted 250" for n in range(7)} | {7: "permanent 550"}
    assert smtp_server.handler.sessions == 3
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(recipients[:7])
    for message in smtp_server.messages:  # dot-stuffing undone by the server: intact
        assert ".a dotted line" in message.get_body(("plain",)).get_content()


def test_a_relay_that_takes_one_connection_gets_every_mail_over_it(smtp_server, caplog):
    config = CONFIG | smtp_server.config
    opened: list[int] = []

    def open_session() -> SmtpConnection:
        opened.append(1)
        if len(opened) > 1:
            return SmtpConnection.for_config(config | {"MAIL_PORT": closed_port()})
        return SmtpConnection.for_config(config)

    with caplog.at_level(logging.WARNING), SmtpSessions(open_session, 4) as sessions:
        outcomes = send_all(sessions, config, [f"r{n}@example.com" for n in range(5)])

    assert outcomes == {n: "accepted 250" for n in range(5)}
    assert len(opened) == 2  # tried once more, then kept to the one that works
    assert smtp_server.handler.sessions == 1
    assert "going on with 1" in caplog.text


def test_a_server_that_cannot_be_reached_raises_at_the_first_session():
    config = CONFIG | {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": closed_port()}
    sessions = SmtpSessions(lambda: SmtpConnection.for_config(config), 2)
    with sessions, pytest.raises(OSError):
        sessions.has_room("ann@example.com")


def test_one_mail_failing_on_our_side_leaves_the_others_under_way(smtp_server, monkeypatch):
    """An address smtplib cannot write (the A-label conversion switched off to get there)
    fails that mail alone; its session is reset and carries the next one."""
    monkeypatch.setattr(smtp_module, "wire_address", lambda recipient: recipient)
    config = CONFIG | smtp_server.config
    recipients = ["a@example.com", "user@bücher.example", "b@example.com", "c@example.com"]

    with SmtpSessions(lambda: SmtpConnection.for_config(config), 2) as sessions:
        outcomes = send_all(sessions, config, recipients)

    assert outcomes == {
        0: "accepted 250",
        1: "failed: UnicodeEncodeError",
        2: "accepted 250",
        3: "accepted 250",
    }
    assert sorted(m["To"] for m in smtp_server.messages) == [
        "a@example.com",
        "b@example.com",
        "c@example.com",
    ]
    assert smtp_server.handler.sessions == 2


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
