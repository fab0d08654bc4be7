"""A local SMTP server (aiosmtpd) that keeps the mail it receives, in memory.

Used by the development runner (mails shown at /_dev/mail) and by the tests, which can
make it refuse chosen recipients (e.g. 451 twice, then accept; or 550 always).
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller

PARSER = BytesParser(policy=policy.default)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    envelope_from: str
    recipients: list[str]
    raw: bytes
    message: EmailMessage


@dataclass
class _Refusal:
    reply: str
    times: int | None  # None: always


@dataclass
class SinkHandler:
    received: list[Received] = field(default_factory=list)
    refusals: dict[str, _Refusal] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    listeners: list[Any] = field(default_factory=list)
    sessions: int = 0  # SMTP sessions greeted (EHLO/HELO): one per connection

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        with self.lock:
            self.sessions += 1
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        with self.lock:
            refusal = self.refusals.get(address.lower())
            if refusal is not None:
                if refusal.times is None:
                    return refusal.reply
                if refusal.times > 0:
                    refusal.times -= 1
                    return refusal.reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        item = Received(
            envelope.mail_from,
            list(envelope.rcpt_tos),
            raw,
            PARSER.parsebytes(raw),  # type: ignore[arg-type]
        )
        with self.lock:
            self.received.append(item)
        for listener in self.listeners:
            listener(item)
        return f"250 2.0.0 Ok: queued as {len(self.received)}"


class SmtpSink:
    """A started-on-demand aiosmtpd server on `host:port` with a recording handler."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.handler = SinkHandler()
        self._controller: Controller | None = None

    def start(self) -> SmtpSink:
        self._controller = Controller(
            self.handler, hostname=self.host, port=self.port, ready_timeout=10
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    @property
    def config(self) -> dict[str, Any]:
        """The app configuration that sends to this sink."""
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port}

    @property
    def messages(self) -> list[EmailMessage]:
        with self.handler.lock:
            return [item.message for item in self.handler.received]

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def refuse(
        self, address: str, reply: str = "550 5.1.1 No such user", times: int | None = None
    ) -> None:
        """Answer RCPT TO `address` with `reply`: `times` times, or always when None."""
        with self.handler.lock:
            self.handler.refusals[address.lower()] = _Refusal(reply, times)

    def clear(self) -> None:
        with self.handler.lock:
            self.handler.received.clear()
            self.handler.refusals.clear()

    def messages_to(self, address: str) -> list[EmailMessage]:
        return [
            m.message for m in self.received if address.lower() in (r.lower() for r in m.recipients)
        ]
