"""No token in any log line: the personal links' tokens are credentials.

A mailed link's token is its path segment (/object/<token>) and sometimes a query value
(?token=...). Every log record made in this process passes `redact` as it is created,
whoever logs it (the app, werkzeug's development server, gunicorn's error and access
loggers, libraries): its message with its arguments filled in, and its traceback, lose

- the token segment of every route with a `<token>` part (/manage/<token>/export),
- `token=` query values,
- anything shaped like a signed token (payload.timestamp.signature), wherever it appears,
- and, during a request, that request's token wherever it appears (an exception message
  quoting it, say).

The JSON formatter redacts its finished line as well, which covers fields passed with
`extra=` (they are added to a record after it is made).
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

from flask import Flask, has_request_context, request

REDACTED = "<token>"
# Routes with a token segment; init_app adds any other route an app declares with one.
_prefixes = {"confirm", "manage", "unsubscribe", "export", "object"}
_lock = threading.Lock()
_QUERY = re.compile(r"([?&;](?:token|access_token)=)[^&;#\s\"'<>]+", re.IGNORECASE)
# itsdangerous: base64url payload (a leading dot when compressed), timestamp, signature.
_SHAPE = re.compile(r"\.?[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{4,8}\.[A-Za-z0-9_-]{20,}")


def _build_path_pattern() -> re.Pattern[str]:
    names = "|".join(sorted(map(re.escape, _prefixes)))
    return re.compile(rf"(/(?:{names})/)[^/?#;\s\"'<>]+")


_path = _build_path_pattern()


def redact(text: str) -> str:
    """`text` without tokens (see the module's docstring for what is taken out)."""
    if has_request_context():
        token = (request.view_args or {}).get("token")
        if isinstance(token, str) and len(token) >= 8:
            text = text.replace(token, REDACTED)
    text = _path.sub(rf"\1{REDACTED}", text)
    text = _QUERY.sub(rf"\1{REDACTED}", text)
    return _SHAPE.sub(REDACTED, text)


def _scrub(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: logging reports it itself later
        return
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, ()
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def install() -> None:
    """Make every log record of this process pass `redact` (once per process)."""
    global _path
    with _lock:
        _path = _build_path_pattern()
        factory = logging.getLogRecordFactory()
        if getattr(factory, "trustsite_redacts", False):
            return

        def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = factory(*args, **kwargs)
            _scrub(record)
            return record

        redacting_factory.trustsite_redacts = True  # type: ignore[attr-defined]
        logging.setLogRecordFactory(redacting_factory)


def init_app(app: Flask) -> None:
    """Learn the app's token routes (call after its blueprints are registered)."""
    for rule in app.url_map.iter_rules():
        parts = rule.rule.split("/")
        if "<token>" in parts and parts.index("<token>") >= 2:
            _prefixes.add(parts[parts.index("<token>") - 1])
    install()
