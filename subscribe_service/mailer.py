"""Mail building and one SMTP connection; nothing here knows about the database.

`build_message` turns a RenderedMail into a standards-complete EmailMessage.
`SmtpConnection` sends messages one by one and reports the server's answer for each,
so the sender can record exactly what the server said.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any
from urllib.parse import urlsplit

from subscribe_service.models import utcnow

# RFC 5322 allows lines up to 998 characters. With the usual 78, Python RFC 2047-encodes
# any longer word, which would turn the List-Unsubscribe URL into =?utf-8?q?...?= that
# mail providers cannot use; and link lines in the text part would be soft-broken.
POLICY = policy.default.clone(max_line_length=998)


class HeaderInjectionError(ValueError):
    """A header value contained a line break."""


@dataclass
class RenderedMail:
    subject: str
    text: str
    html: str
    list_id: str | None
    unsubscribe_url: str | None
    extra_headers: dict[str, str] = field(default_factory=dict)
    # (filename, mime type "type/subtype", content)
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)


def mail_domain(config: Mapping[str, Any]) -> str:
    """The domain for Message-IDs and List-Ids: MAIL_DOMAIN, else the site's host."""
    return config.get("MAIL_DOMAIN") or urlsplit(config["SITE_URL"]).hostname or "localhost"


def new_message_id(config: Mapping[str, Any]) -> str:
    return f"<{uuid.uuid4().hex}@{mail_domain(config)}>"


def list_id(config: Mapping[str, Any], topic: str, title: str) -> str:
    """`Larkspur Relay sub-processors <subprocessors.trust.example>` (RFC 2919)."""
    company = config.get("COMPANY_NAME", "")
    return f"{company} {title} <{topic}.{mail_domain(config)}>".strip()


def _check(name: str, value: str) -> str:
    if "\r" in value or "\n" in value:
        raise HeaderInjectionError(f"line break in the {name} header")
    return value


def build_message(
    app_config: Mapping[str, Any],
    rendered: RenderedMail,
    recipient: str,
    *,
    message_id: str | None = None,
) -> EmailMessage:
    """A multipart/alternative mail (text + HTML) with every header the service promises."""
    msg = EmailMessage(policy=POLICY)
    sender = app_config["MAIL_DEFAULT_SENDER"]
    msg["From"] = _check("From", sender)
    msg["To"] = _check("To", str(Address(addr_spec=recipient)))
    msg["Subject"] = _check("Subject", rendered.subject)
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = _check("Message-ID", message_id or new_message_id(app_config))
    msg["Auto-Submitted"] = "auto-generated"
    # Tells out-of-office responders not to answer bulk mail (RFC 3834 companion).
    msg["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    if rendered.list_id:
        msg["List-Id"] = _check("List-Id", rendered.list_id)
    if rendered.unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{_check('List-Unsubscribe', rendered.unsubscribe_url)}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for name, value in rendered.extra_headers.items():
        msg[_check("header name", name)] = _check(name, value)
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    for filename, mimetype, content in rendered.attachments:
        maintype, subtype = mimetype.split("/", 1)
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def default_sender(company: str, domain: str) -> str:
    return formataddr((company, f"notices@{domain}"))


@dataclass(frozen=True)
class SendResult:
    """The server's answer for one message: accepted, temporary (4xx) or permanent (5xx)."""

    outcome: str  # "accepted" | "temporary" | "permanent"
    code: int
    reply: str
    stage: str = "data"  # the command answered: "mail" | "rcpt" | "data"

    @property
    def text(self) -> str:
        return f"{self.code} {self.reply}"


class SmtpConnection:
    """One SMTP session, with a socket timeout on every operation.

    Flask-Mail's Connection (used for its configuration) opens smtplib without a timeout
    and hides the server's replies, so the session is driven here command by command:
    MAIL, RCPT and DATA each report their code, and a refused recipient is told apart
    from a server that went away.
    """

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.host = config["MAIL_SERVER"]
        self.port = int(config["MAIL_PORT"])
        self.timeout = float(config.get("SMTP_TIMEOUT", 30))
        self.use_ssl = bool(config.get("MAIL_USE_SSL"))
        self.use_tls = bool(config.get("MAIL_USE_TLS"))
        self.username = config.get("MAIL_USERNAME")
        self.password = config.get("MAIL_PASSWORD")
        self.envelope_from = config.get("MAIL_ENVELOPE_FROM") or _addr_spec(
            config["MAIL_DEFAULT_SENDER"]
        )
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpConnection:
        if self.use_ssl:
            self.smtp = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            self.smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.use_tls:
            self.smtp.starttls(context=ssl.create_default_context())
        if self.username and self.password:
            self.smtp.login(self.username, self.password)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.smtp is None:
            return
        try:
            self.smtp.quit()
        except (smtplib.SMTPException, OSError):
            self.smtp.close()
        self.smtp = None

    def send(self, recipient: str, message: EmailMessage) -> SendResult:
        """Send one message; connection-level failures raise (SMTPException / OSError)."""
        assert self.smtp is not None, "use SmtpConnection as a context manager"
        smtp = self.smtp
        # smtplib only fixes line endings of str data: bytes must already use CRLF.
        data = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
        smtp.ehlo_or_helo_if_needed()
        code, reply = smtp.mail(self.envelope_from)
        if code != 250:
            smtp.rset()
            # Our sender address refused: not this recipient's fault, so never a bounce.
            return _result(code, reply, "mail", permanent_ok=False)
        code, reply = smtp.rcpt(recipient)
        if code not in (250, 251):
            smtp.rset()
            return _result(code, reply, "rcpt")
        try:
            code, reply = smtp.data(data)
        except smtplib.SMTPDataError as err:  # refused DATA itself (e.g. 451 / 554)
            smtp.rset()
            return _result(err.smtp_code, err.smtp_error, "data")
        return _result(code, reply, "data")


def _result(code: int, reply: bytes | str, stage: str, *, permanent_ok: bool = True) -> SendResult:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    text = " ".join(text.split())
    if 200 <= code < 300:
        return SendResult("accepted", code, text, stage)
    if code == 421 or code < 0:
        # 421: the server is closing the session; smtplib reports -1 for a dead socket.
        raise smtplib.SMTPServerDisconnected(f"{code} {text}")
    if 400 <= code < 500 or not permanent_ok:
        return SendResult("temporary", code, text, stage)
    return SendResult("permanent", code, text, stage)


def _addr_spec(value: str) -> str:
    from email.utils import parseaddr

    return parseaddr(value)[1] or value


CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    smtplib.SMTPException,
    OSError,
    socket.timeout,
)
