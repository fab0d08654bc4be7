"""One SMTP session: send a mail's wire bytes and report the server's answer to each command.

`SmtpConnection` is Flask-Mail's `Connection` (the `Mail` extension owns the MAIL_*
settings, see create_app) with what the outbox sender needs on top: a socket timeout
on every operation, and MAIL, RCPT and DATA driven command by command (`transaction`),
so each answer is reported (a refused recipient is told apart from a server that went
away) and the caller can work between a command and its answer: sessions.py keeps
several sessions busy that way. Flask-Mail's own `send` (smtplib.sendmail) hides those
answers, so the sender does not use it.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Generator, Mapping
from email.utils import parseaddr
from typing import Any

import flask_mail
from flask import Flask

from subscribe_service.mail.interfaces import Outcome, SendResult
from subscribe_service.mail.message import PLAIN_ADDRESS, wire_address

# A transaction's steps: each yields the command just written, resuming reads its answer.
Steps = Generator[str, None, Any]


class SmtpConnection(flask_mail.Connection):
    """One SMTP session over Flask-Mail's settings, with a socket timeout and the
    server's answer to every command. Use it as a context manager."""

    def __init__(
        self, mail: Any, *, timeout: float = 30.0, envelope_from: str | None = None
    ) -> None:
        """`mail` is Flask-Mail's state (`app.extensions["mail"]`)."""
        super().__init__(mail)
        self.timeout = timeout
        self.envelope_from = envelope_from or _addr_spec(mail.default_sender)
        self._mail_from = f"FROM:{smtplib.quoteaddr(self.envelope_from)}"
        self._awaiting = False  # a command written, its answer not read yet

    @classmethod
    def for_app(cls, app: Flask) -> SmtpConnection:
        return cls.from_settings(app.extensions["mail"], app.config)

    @classmethod
    def for_config(cls, config: Mapping[str, Any]) -> SmtpConnection:
        """A connection from MAIL_* settings alone (no app), as Flask-Mail reads them."""
        return cls.from_settings(flask_mail.Mail().init_mail(dict(config)), config)

    @classmethod
    def from_settings(cls, mail: Any, config: Mapping[str, Any]) -> SmtpConnection:
        return cls(
            mail,
            timeout=float(config.get("SMTP_TIMEOUT", 30)),
            envelope_from=config.get("MAIL_ENVELOPE_FROM"),
        )

    def configure_host(self) -> smtplib.SMTP:
        """Flask-Mail's, with the timeout and verified TLS; no smtplib debug output,
        which would print every mail, personal links included, to the log."""
        mail = self.mail
        host: smtplib.SMTP
        # A TLS context loads the system's CA store (tens of milliseconds): only when used.
        if mail.use_ssl:
            host = smtplib.SMTP_SSL(
                mail.server,
                int(mail.port),
                timeout=self.timeout,
                context=ssl.create_default_context(),
            )
        else:
            host = smtplib.SMTP(mail.server, int(mail.port), timeout=self.timeout)
        if mail.use_tls:
            host.starttls(context=ssl.create_default_context())
        if mail.username and mail.password:
            host.login(mail.username, mail.password)
        return host

    def __enter__(self) -> SmtpConnection:
        # Always connect: MAIL_SUPPRESS_SEND (on by default under TESTING) would let the
        # outbox record as sent mails that never left.
        self.host = self.configure_host()
        self.host.ehlo_or_helo_if_needed()
        self._awaiting = False
        return self

    def __exit__(self, *exc: object) -> None:
        if self.host is None:
            return
        try:
            if self._awaiting:
                # A mail left under way (another session failed): drop the connection,
                # which abandons the transaction. QUIT could be read as mail data (the
                # server may be waiting for the message after DATA) and never answered.
                self.host.close()
            else:
                self.host.quit()
        except (smtplib.SMTPException, OSError):
            self.host.close()
        self.host = None
        self._awaiting = False

    def _session(self) -> smtplib.SMTP:
        assert self.host is not None, "use SmtpConnection as a context manager"
        return self.host

    def transaction(self, recipient: str, message: bytes) -> Steps:
        """One mail (wire bytes from build_message_bytes, lines ending in CRLF), a command
        at a time: each step writes a command and yields its name ("mail", "rcpt",
        "data", then "body" for the message itself); resuming reads the server's answer
        to it. Returns the server's last answer. Connection-level failures raise
        (SMTPException / OSError).

        Between the steps the caller is free: it renders the next mail or drives other
        sessions while this server works, so the round trips overlap (sessions.py)."""
        smtp = self._session()
        code, reply = yield from self._command(smtp, "mail", self._mail_from)
        if code != 250:
            smtp.rset()
            # Our sender address refused: not this recipient's fault, so never a bounce.
            return _result(code, reply, "mail", permanent_ok=False)
        code, reply = yield from self._command(smtp, "rcpt", f"TO:{envelope_recipient(recipient)}")
        if code not in (250, 251):
            smtp.rset()
            return _result(code, reply, "rcpt")
        code, reply = yield from self._command(smtp, "data", "")
        if code != 354:  # refused DATA itself (e.g. 451 / 554)
            smtp.rset()
            return _result(code, reply, "data")
        # What smtplib.data does with bytes (it fixes line endings of str data only, so
        # bytes come with CRLF already): dot-stuffing and the final "." line.
        payload = dot_stuffed(message)
        if not payload.endswith(b"\r\n"):
            payload += b"\r\n"
        self._awaiting = True
        smtp.send(payload + b".\r\n")
        yield "body"
        self._awaiting = False
        code, reply = smtp.getreply()
        return _result(code, reply, "data")

    def _command(self, smtp: smtplib.SMTP, name: str, args: str) -> Steps:
        smtp.putcmd(name, args)  # raises before anything is written if it will not encode
        self._awaiting = True
        yield name
        self._awaiting = False
        return smtp.getreply()

    def reset(self) -> None:
        """Abandon the mail transaction under way (a message failed on our side between
        MAIL FROM and its data), so the next transaction starts clean. A server that does
        not answer raises, like any connection failure (SMTPException / OSError)."""
        smtp = self._session()
        if self._awaiting:
            self._awaiting = False
            smtp.getreply()
        code, reply = smtp.rset()
        if code != 250:
            raise smtplib.SMTPResponseException(code, reply)


def _result(code: int, reply: bytes | str, stage: str, *, permanent_ok: bool = True) -> SendResult:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    text = " ".join(text.split())
    if 200 <= code < 300:
        return SendResult(Outcome.ACCEPTED, code, text, stage)
    if code == 421 or code < 0:
        # 421: the server is closing the session; smtplib reports -1 for a dead socket.
        raise smtplib.SMTPServerDisconnected(f"{code} {text}")
    if 400 <= code < 500 or not permanent_ok:
        return SendResult(Outcome.TEMPORARY, code, text, stage)
    return SendResult(Outcome.PERMANENT, code, text, stage)


def dot_stuffed(message: bytes) -> bytes:
    """Every line that starts with a dot gets a second one (RFC 5321 4.5.2): the bytes
    smtplib makes with `re.sub(rb"(?m)^\\.", b"..", data)`, from one `bytes.replace`
    and a look at the first byte. The expression scanned every mail a byte at a time,
    a noticeable part of the sender's CPU per mail."""
    stuffed = message.replace(b"\n.", b"\n..")
    return b"." + stuffed if stuffed.startswith(b".") else stuffed


def envelope_recipient(recipient: str) -> str:
    """`<address>` for RCPT TO, in its wire form. smtplib.quoteaddr parses every address
    with the email package, a noticeable cost per mail; a plain address needs no parsing."""
    recipient = wire_address(recipient)
    if PLAIN_ADDRESS.fullmatch(recipient):
        return f"<{recipient}>"
    return smtplib.quoteaddr(recipient)


def _addr_spec(value: str) -> str:
    return parseaddr(value)[1] or value
