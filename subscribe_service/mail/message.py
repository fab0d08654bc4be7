"""Building one mail: a RenderedMail becomes its wire bytes, nothing here talks SMTP.

`build_message` turns a RenderedMail into a standards-complete EmailMessage;
`build_message_bytes` writes the same mail straight as the bytes sent on the wire (the
sender's fast path). `wire_address` is the recipient as it goes on the wire.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import idna

from subscribe_service.infra.config import mail_domain
from subscribe_service.infra.models import utcnow

# RFC 5322 allows lines up to 998 characters. With the usual 78, Python RFC 2047-encodes
# any longer word, which would turn the List-Unsubscribe URL into =?utf-8?q?...?= that
# mail providers cannot use; and link lines in the text part would be soft-broken.
POLICY = policy.default.clone(max_line_length=998)
# The same rules with the line ending SMTP needs, for headers folded on the wire.
WIRE_POLICY = POLICY.clone(linesep="\r\n")
MAX_LINE = 998
# A plain dot-atom address (what email-validator lets through for nearly everyone): it
# needs no quoting or encoding, so its To header is written as is.
PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*"
)


class HeaderInjectionError(ValueError):
    """A header value contained a line break."""


class UnsendableAddress(ValueError):
    """A recipient that cannot be written in a plain (not SMTPUTF8) SMTP envelope."""


def wire_address(recipient: str) -> str:
    """The recipient as it goes on the wire: ASCII, the domain as its A-label.

    Addresses are checked and stored in this form at the door (validation.normalise_email);
    this catches rows queued before that rule or by other code: an internationalised
    domain is converted (`user@bücher.example` -> `user@xn--bcher-kva.example`), and a
    local part this service cannot send without SMTPUTF8 raises UnsendableAddress,
    which the sender records as a failure of that one message.
    """
    if recipient.isascii() and recipient.isprintable():
        return recipient
    local, at, domain = recipient.rpartition("@")
    if not at or not local or not domain:
        raise UnsendableAddress(f"{recipient!r} is not an email address")
    if not local.isascii() or not local.isprintable():
        raise UnsendableAddress(
            f"the local part {local!r} needs SMTPUTF8, which this service does not use"
        )
    try:
        ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError as err:
        raise UnsendableAddress(f"the domain {domain!r} has no ASCII form: {err}") from None
    return f"{local}@{ascii_domain.lower()}"


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
    msg["To"] = _check("To", str(Address(addr_spec=wire_address(recipient))))
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


def build_message_bytes(
    app_config: Mapping[str, Any],
    rendered: RenderedMail,
    recipient: str,
    *,
    message_id: str | None = None,
) -> bytes:
    """`build_message`'s mail as the bytes sent on the wire (CRLF line ends), built directly.

    Building an EmailMessage parses every header it is given and generating its bytes
    walks the whole tree again: together about half the sender's time per mail. This
    writes the same headers and the same text + HTML parts (7bit or 8bit, as
    `build_message` would choose) from a template; any header that needs encoding goes
    through the email package's own folding. Mails it does not cover (attachments, body
    lines over 998 bytes, which need quoted-printable) are built by `build_message`.
    """
    text = _plain_body(rendered.text)
    html = _plain_body(rendered.html)
    if rendered.attachments or text is None or html is None:
        mail = build_message(app_config, rendered, recipient, message_id=message_id)
        return mail.as_bytes(policy=WIRE_POLICY)
    head = [
        _from_line(_check("From", app_config["MAIL_DEFAULT_SENDER"])),
        _to_line(_check("To", wire_address(recipient))),
        _header_line("Subject", _check("Subject", rendered.subject)),
        _header_line("Date", format_datetime(utcnow())),
        _header_line("Message-ID", _check("Message-ID", message_id or new_message_id(app_config))),
        "Auto-Submitted: auto-generated\r\n",
        "X-Auto-Response-Suppress: OOF, AutoReply\r\n",
    ]
    if rendered.list_id:
        head.append(_header_line("List-Id", _check("List-Id", rendered.list_id)))
    if rendered.unsubscribe_url:
        url = _check("List-Unsubscribe", rendered.unsubscribe_url)
        head.append(_header_line("List-Unsubscribe", f"<{url}>"))
        head.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
    for name, value in rendered.extra_headers.items():
        head.append(_header_line(_check("header name", name), _check(name, value)))
    boundary = _boundary(text[1], html[1])
    head.append("MIME-Version: 1.0\r\n")
    head.append(f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n')
    return b"".join(
        (
            "".join(head).encode("ascii"),
            f"--{boundary}\r\n".encode("ascii"),
            _part_head("plain", text[0]),
            text[1],
            f"\r\n--{boundary}\r\n".encode("ascii"),
            _part_head("html", html[0]),
            html[1],
            f"\r\n--{boundary}--\r\n".encode("ascii"),
        )
    )


def _plain_body(content: str) -> tuple[str, bytes] | None:
    """(transfer encoding, CRLF body) as EmailMessage.set_content makes it, or None when
    a line is too long for 7bit/8bit (the email package then picks quoted-printable)."""
    lines = content.encode("utf-8").splitlines()
    if max(map(len, lines), default=0) > MAX_LINE:  # in C: a generator costs a call a line
        return None
    body = b"\r\n".join(lines) + b"\r\n"
    return ("7bit" if body.isascii() else "8bit"), body


def _part_head(subtype: str, cte: str) -> bytes:
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: {cte}\r\n\r\n'
    ).encode("ascii")


def _boundary(*bodies: bytes) -> str:
    while True:
        boundary = f"=_{uuid.uuid4().hex}"
        if not any(boundary.encode("ascii") in body for body in bodies):
            return boundary


def _header_line(name: str, value: str) -> str:
    """`Name: value` CRLF; values that are not short ASCII are folded and RFC 2047-encoded
    by the email package, exactly as in an EmailMessage."""
    line = f"{name}: {value}"
    if value.isascii() and len(line) <= MAX_LINE and "=?" not in value:
        return line + "\r\n"
    return _folded(name, value)


def _folded(name: str, value: str) -> str:
    return WIRE_POLICY.header_factory(name, value).fold(policy=WIRE_POLICY)  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=8)
def _from_line(sender: str) -> str:
    # One sender per configuration: parse and fold it once.
    return _folded("From", sender)


def _to_line(recipient: str) -> str:
    if len(recipient) < MAX_LINE - 4 and PLAIN_ADDRESS.fullmatch(recipient):
        return f"To: {recipient}\r\n"
    return _folded("To", str(Address(addr_spec=recipient)))
