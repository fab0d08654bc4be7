"""Development only: /_dev/mail shows what the local SMTP sink received.

A list of messages, and each message's headers, text part (links clickable) and HTML
part, so a person can confirm a subscription in the browser without a mail client.
"""

from __future__ import annotations

import re
from email.message import EmailMessage

from flask import Blueprint, Flask, Response, abort, render_template
from markupsafe import Markup, escape

from subscribe_service.dev.smtpsink import SmtpSink

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


def init_app(app: Flask, sink: SmtpSink) -> None:
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
            "dev/mail_one.html", msg=msg, n=n, headers=HEADERS, text=Markup(linked)
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

    app.register_blueprint(bp)
