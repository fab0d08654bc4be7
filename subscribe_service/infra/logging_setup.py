"""Structured logs: one JSON object per line and per event, each with the request id.

TRUSTSITE_LOG_FORMAT=json turns it on (the default stays the readable text format for a
laptop); TRUSTSITE_LOG_LEVEL sets the level (INFO). Every request gets an id: the one
nginx sends in X-Request-ID (so its access log and ours can be joined), or a new one. It
is echoed in the response's X-Request-ID and added to every line logged while the request
runs. In JSON mode the app also writes one `request` line per answered request.

Links in mails carry secret tokens in their path (/confirm/<token>), so a request line
names the route (`/confirm/<token>`), never the path that was asked for.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request

from subscribe_service.infra import redaction

ENV_FORMAT = "TRUSTSITE_LOG_FORMAT"
ENV_LEVEL = "TRUSTSITE_LOG_LEVEL"
ACCESS = logging.getLogger("subscribe_service.request")
# What a proxy may hand us as a request id: nginx's $request_id is 32 hex digits.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")
UNMATCHED_PATH_MAX = 100
# Attributes every LogRecord has; anything else was passed with `extra=` and is logged.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON: time, level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        # Redacted whole: fields given with `extra=` join the record after it was made.
        return redaction.redact(json.dumps(entry, default=str, ensure_ascii=False))


class RequestIdFilter(logging.Filter):
    """Stamps the current request's id on every record logged during that request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and "request_id" in g:
            record.request_id = g.request_id
        return True


def json_enabled() -> bool:
    return os.environ.get(ENV_FORMAT, "text").strip().lower() == "json"


def configure_root_logger() -> None:
    """Send every logger's records, as JSON lines, to stderr (once per process)."""
    root = logging.getLogger()
    if any(getattr(h, "trustsite_json", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler.trustsite_json = True  # type: ignore[attr-defined]
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(os.environ.get(ENV_LEVEL, "INFO").upper())


def _assign_request_id() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _echo_request_id(response: Response) -> Response:
    if "request_id" in g:
        response.headers["X-Request-ID"] = g.request_id
    return response


def _log_request(response: Response) -> Response:
    started = g.get("request_started", time.perf_counter())
    rule = request.url_rule.rule if request.url_rule is not None else None
    ACCESS.info(
        "request",
        extra={
            "method": request.method,
            "route": rule,
            "path": None if rule else request.path[:UNMATCHED_PATH_MAX],
            "endpoint": request.endpoint,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "remote_addr": request.remote_addr,
        },
    )
    return response


def init_app(app: Flask) -> None:
    """Call first in create_app, so the request id exists for every later hook."""
    redaction.install()  # no token in any log line of this process (see redaction.py)
    app.before_request(_assign_request_id)
    app.after_request(_echo_request_id)
    if json_enabled():
        configure_root_logger()
        app.after_request(_log_request)
