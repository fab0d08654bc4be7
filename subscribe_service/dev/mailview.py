"""Development only: /_dev/mail shows what the local SMTP sink received.

A list of messages, and each message's headers, text part (links clickable), HTML part
and attachments (the DPA's PDF opens in the browser), so a person can confirm a
subscription or read what a request sent without a mail client.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Protocol

from flask import Blueprint, Flask, Response, abort, render_template
from markupsafe import Markup, escape

bp = Blueprint("devmail", __name__, url_prefix="/_dev/mail")
URL = re.compile(r"https?://[^\s<>\"']+")
HEADERS = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "Auto-Submitted",
)


class Mailbox(Protocol):
    """Where the mails come from: the sink itself, or the folder it writes to."""

    port: int

    @property
    def messages(self) -> list[EmailMessage]: ...


def attachments(msg: EmailMessage) -> list[tuple[str, str, int]]:
    """(file name, content type, size in bytes) of each attachment, in order."""
    found = []
    for part in msg.iter_attachments():
        content = part.get_payload(decode=True) or b""
        found.append((part.get_filename() or "attachment", part.get_content_type(), len(content)))
    return found


def init_app(app: Flask, sink: Mailbox) -> None:
    def _message(n: int) -> EmailMessage:
        messages = sink.messages
        if not 1 <= n <= len(messages):
            abort(404)
        return messages[n - 1]

    @bp.get("")
    def index() -> Response:
        items = list(enumerate(sink.messages, start=1))[::-1]
        return Response(render_template("dev/mail_list.html", items=items, port=sink.port))

    @bp.get("/<int:n>")
    def show(n: int) -> Response:
        msg = _message(n)
        part = msg.get_body(("plain",))
        text = part.get_content() if part else ""
        linked = URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', str(escape(text)))
        body = render_template(
            "dev/mail_one.html",
            msg=msg,
            n=n,
            headers=HEADERS,
            text=Markup(linked),
            attachments=attachments(msg),
        )
        response = Response(body)
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'self'; frame-src 'self'; form-action 'self'"
        )
        return response

    @bp.get("/<int:n>/html")
    def html(n: int) -> Response:
        part = _message(n).get_body(("html",))
        if part is None:
            abort(404)
        # Links in the mail open in the whole window, as they would from a mail client.
        content = re.sub(r"(<head[^>]*>)", r'\1<base target="_top">', part.get_content(), count=1)
        response = Response(content, mimetype="text/html")
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; frame-ancestors 'self'"
        )
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        return response

    @bp.get("/<int:n>/attachments/<int:i>")
    def attachment(n: int, i: int) -> Response:
        parts = list(_message(n).iter_attachments())
        if not 1 <= i <= len(parts):
            abort(404)
        part = parts[i - 1]
        content_type = part.get_content_type()
        # A PDF or a picture opens in the browser; anything else is downloaded.
        inline = content_type == "application/pdf" or content_type.startswith("image/")
        response = Response(part.get_payload(decode=True) or b"", mimetype=content_type)
        response.headers["Content-Disposition"] = "inline" if inline else "attachment"
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    app.register_blueprint(bp)
