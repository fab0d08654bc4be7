"""The sender's fast path: mail bytes built from a template must be the mail that
`build_message` describes, and survive a real SMTP session intact."""

from __future__ import annotations

import re
import socket
import time
from email import message_from_bytes, policy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subscribe_service.mail.message import (
    WIRE_POLICY,
    HeaderInjectionError,
    RenderedMail,
    build_message,
    build_message_bytes,
)
from subscribe_service.mail.sessions import SmtpSessions
from subscribe_service.mail.smtp import SmtpConnection, dot_stuffed

CONFIG = {
    "SITE_URL": "https://trust.larkspur.example/",
    "MAIL_DEFAULT_SENDER": "Larkspur Relay <notices@trust.larkspur.example>",
    "COMPANY_NAME": "Larkspur Relay",
}


def rendered(**changes) -> RenderedMail:
    base = {
        "subject": "Sub-processor change",
        "text": "Hello,\n\nA new sub-processor.\nhttps://trust.larkspur.example/x\n",
        "html": "<p>Hello</p>\n<p>A new sub-processor.</p>",
        "list_id": "Larkspur Relay sub-processors <subprocessors.trust.larkspur.example>",
        "unsubscribe_url": "https://trust.larkspur.example/unsubscribe/" + "t" * 120,
        "extra_headers": {"X-Trustsite-Change": "subprocessors/2025-03-01"},
    }
    return RenderedMail(**(base | changes))


CASES = {
    "ascii": ({}, CONFIG, "ann@example.com"),
    "non-ascii subject and parts": (
        {
            "subject": "Änderung der Unterauftragsverarbeiter — bitte lesen " * 4,
            "text": "Grüße\r\nzweite Zeile\rdritte",
            "html": "<p>café</p>",
        },
        CONFIG,
        "ann@example.com",
    ),
    "empty text, no list headers": (
        {"text": "", "list_id": None, "unsubscribe_url": None, "extra_headers": {}},
        CONFIG,
        "o'neil+news@mail.example.org",
    ),
    "line too long for 7bit": ({"text": "x" * 1500}, CONFIG, "ann@example.com"),
    "quoted local part": ({}, CONFIG, '"ann smith"@example.com'),
    "non-ascii sender name": (
        {},
        CONFIG | {"MAIL_DEFAULT_SENDER": "Société Relais <notices@larkspur.example>"},
        "ann@example.com",
    ),
}


def _headers(msg) -> list[tuple[str, str]]:
    # Date differs by the clock, the multipart boundary is random.
    return [(k, str(v)) for k, v in msg.items() if k not in ("Date", "Content-Type")]


@pytest.mark.parametrize("case", list(CASES))
def test_wire_bytes_are_the_mail_build_message_describes(case):
    changes, config, recipient = CASES[case]
    reference = build_message(config, rendered(**changes), recipient, message_id="<1@l.example>")
    wire = build_message_bytes(config, rendered(**changes), recipient, message_id="<1@l.example>")
    assert b"\r\n" in wire and b"\n" not in wire.replace(b"\r\n", b"")
    fast = message_from_bytes(wire, policy=policy.default)
    slow = message_from_bytes(reference.as_bytes(policy=WIRE_POLICY), policy=policy.default)
    assert _headers(fast) == _headers(slow)
    assert fast["Date"]
    assert fast.get_content_type() == "multipart/alternative"
    for kind in ("plain", "html"):
        ours, theirs = fast.get_body((kind,)), slow.get_body((kind,))
        assert ours.get_content() == theirs.get_content()
        assert ours["Content-Transfer-Encoding"] == theirs["Content-Transfer-Encoding"]


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": "Hello\r\nBcc: victim@example.com"},
        {"list_id": "x\nBcc: y"},
        {"unsubscribe_url": "https://a.example/\r\nX: y"},
        {"extra_headers": {"X-Change": "a\nb"}},
        {"extra_headers": {"X-Change\nBcc": "a"}},
    ],
)
def test_wire_bytes_refuse_line_breaks_in_headers(changes):
    with pytest.raises(HeaderInjectionError):
        build_message_bytes(CONFIG, rendered(**changes), "ann@example.com")


def test_wire_bytes_arrive_intact_over_smtp(smtp_server):
    """Dot-stuffing, several mails on one connection and work done while the server
    answers."""
    text = ".a line that starts with a dot\n..and two\nend\n"
    config = CONFIG | smtp_server.config
    waited = []
    with SmtpSessions(lambda: SmtpConnection.for_config(config), 1) as smtp:
        for n in range(3):
            recipient = f"reader{n}@example.com"
            assert smtp.has_room(recipient)
            smtp.start(n, recipient, build_message_bytes(config, rendered(text=text), recipient))
            _key, result = smtp.next_answer(while_waiting=lambda n=n: waited.append(n))
            assert result.outcome == "accepted", result
    assert waited == [0, 1, 2]
    received = smtp_server.messages
    assert len(received) == 3
    assert [m["To"] for m in received] == [f"reader{n}@example.com" for n in range(3)]
    for message in received:
        assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == text


# Bytes rich in what dot-stuffing looks at: dots, line feeds and carriage returns.
WIRE_BYTES = st.lists(st.sampled_from([b".", b"\n", b"\r", b"\r\n", b"..", b"a", b"\x00"])).map(
    b"".join
)


@given(WIRE_BYTES)
def test_dot_stuffing_is_smtplibs_byte_for_byte(message):
    assert dot_stuffed(message) == re.sub(rb"(?m)^\.", b"..", message)


def test_a_server_that_never_answers_times_out_instead_of_hanging():
    """Flask-Mail's own Connection opens smtplib without a timeout; ours has one."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts the TCP connection, never sends a greeting
        config = CONFIG | {
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": silent.getsockname()[1],
            "SMTP_TIMEOUT": 0.5,
        }
        started = time.monotonic()
        with pytest.raises(OSError), SmtpConnection.for_config(config):
            pass
        assert time.monotonic() - started < 5
