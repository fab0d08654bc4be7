"""Structured logs: JSON lines with the request id (TRUSTSITE_LOG_FORMAT=json)."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

from subscribe_service.infra.logging_setup import JsonFormatter


def test_a_record_is_one_json_line_with_its_extras_and_traceback() -> None:
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        record = logging.LogRecord(
            "subscribe_service.mail.sender",
            logging.WARNING,
            __file__,
            1,
            "sent %s",
            ("x",),
            sys.exc_info(),
        )
    record.outbox_id = 7
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "warning" and entry["logger"] == "subscribe_service.mail.sender"
    assert entry["message"] == "sent x" and entry["outbox_id"] == 7
    assert "ValueError: bad\nvalue" in entry["exception"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["time"])


def test_the_request_id_is_taken_from_the_proxy_or_made(client) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "0123456789abcdef0123"})
    assert given.headers["X-Request-ID"] == "0123456789abcdef0123"
    made = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])


SCRIPT = """
import logging
from subscribe_service import create_app
from subscribe_service.infra.migrate import upgrade
app = create_app({"SECRET_KEY": "k" * 32, "DATABASE_URL": "sqlite:///%s"})
upgrade(app)
client = app.test_client()
client.get("/confirm/not-a-real-token", headers={"X-Request-ID": "req-0123456789"})
client.get("/nowhere/secret-looking-path")
"""


def test_json_mode_logs_one_line_per_request_without_tokens(tmp_path: Path) -> None:
    env = {**os.environ, "TRUSTSITE_LOG_FORMAT": "json", "TRUSTSITE_SITE_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT % (tmp_path / "t.db")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    entries = [json.loads(line) for line in done.stderr.splitlines()]  # every line is JSON
    requests = [e for e in entries if e["logger"] == "subscribe_service.request"]
    assert len(requests) == 2
    confirm, unmatched = requests
    assert confirm["request_id"] == "req-0123456789"
    assert confirm["route"] == "/confirm/<token>" and confirm["path"] is None
    assert confirm["status"] in (400, 404, 410) and confirm["method"] == "GET"
    assert "not-a-real-token" not in json.dumps(entries)
    assert unmatched["route"] is None and unmatched["status"] == 404
    assert unmatched["path"] == "/nowhere/secret-looking-path"
