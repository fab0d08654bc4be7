"""No token in any log line: requests answered 200, 4xx, 500 and 503, in text and JSON logs,
from the app, werkzeug's server and gunicorn's logger."""

from __future__ import annotations

import http.client
import io
import logging
import os
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from subscribe_service.dev.smtpsink import free_port
from subscribe_service.infra.db import session_scope
from subscribe_service.infra.logging_setup import JsonFormatter, RequestIdFilter
from subscribe_service.infra.redaction import redact
from tests.support.links_support import SITE, make_links


@pytest.fixture
def json_log():
    """Every record, as the JSON formatter writes it, into a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)


def tokens_of(links) -> list[str]:
    return [path.split("/")[2] for path in (links.manage, links.object, links.unsubscribe)]


def assert_no_token(logged: str, tokens: list[str]) -> None:
    assert logged.strip(), "nothing was logged: the test would prove nothing"
    for token in tokens:
        assert token not in logged
        assert token[:20] not in logged  # not even a recognisable part


def test_no_token_in_the_logs_of_200_4xx_500_and_503_answers(app, caplog, json_log):
    caplog.set_level(logging.INFO)
    links = make_links(app)
    client = app.test_client()
    assert client.get(links.manage).status_code == 200
    nul = client.post(links.object, data={"reason": "a\x00b"}, headers={"Origin": SITE})
    assert nul.status_code == 422
    assert client.get(links.manage + "/no-such-page").status_code == 404
    assert client.get(links.object + "?token=" + links.manage[8:]).status_code == 200

    def boom(token: str):
        raise RuntimeError(f"failed on the link {token}")  # an error quoting the token

    app.view_functions["manage.export"] = boom
    failed = client.post(links.manage + "/export", headers={"Origin": SITE})
    assert failed.status_code == 500
    with app.app_context(), session_scope(app) as session:
        session.execute(text("DROP TABLE objections"))  # a broken database
    broken = client.post(links.object, data={"reason": "x"}, headers={"Origin": SITE})
    assert broken.status_code == 503

    logged = caplog.text + json_log.getvalue()
    assert "unexpected error on POST /manage/<token>/export" in logged
    assert "failed on the link <token>" in logged  # the traceback is kept, the token not
    assert_no_token(logged, tokens_of(links))


def test_werkzeug_access_log_has_no_token(app, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    links = make_links(app)
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for method, path in (("GET", links.manage), ("POST", links.unsubscribe)):
            conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
            conn.request(method, path + "?token=x" + links.object[8:])
            assert conn.getresponse().status == 200
            conn.close()
    finally:
        server.shutdown()
        thread.join(5)
    access = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("GET /manage/<token>?token=<token>" in line for line in access), access
    assert_no_token("\n".join(access), tokens_of(links))


def test_gunicorns_error_line_has_no_token(app, caplog):
    links = make_links(app)
    try:
        raise OSError("connection reset")
    except OSError:
        # The line gunicorn's worker writes when a request fails outside the app.
        logging.getLogger("gunicorn.error").exception("Error handling request %s", links.object)
    assert "Error handling request /object/<token>" in caplog.text
    assert_no_token(caplog.text, tokens_of(links))


def test_redact_keeps_the_rest_of_the_line() -> None:
    line = 'GET /confirm/eyJzIjoxLCJ2IjoxfQ.Z0abCd.abcdefghijklmnopqrstuvwxyz0 HTTP/1.1" 200'
    assert redact(line) == 'GET /confirm/<token> HTTP/1.1" 200'
    assert redact("/api/subscriptions?token=abc&x=1") == "/api/subscriptions?token=<token>&x=1"
    assert redact("route /manage/<token>/export") == "route /manage/<token>/export"
    assert redact("sent 12 messages in 0.5 s") == "sent 12 messages in 0.5 s"


@pytest.mark.slow
def test_gunicorn_access_and_error_logs_have_no_token(make_app, tmp_path):
    """A real gunicorn with its access log on: 200, 404, 422 and 503 answers."""
    db = tmp_path / "gunicorn.db"
    app = make_app(DATABASE_URL=f"sqlite:///{db}")
    links = make_links(app)
    with app.app_context(), session_scope(app) as session:
        session.execute(text("DROP TABLE objections"))  # objections answer 503 and log why
    port = free_port()
    env = {
        **os.environ,
        "TRUSTSITE_DATABASE_URL": f"sqlite:///{db}",
        "TRUSTSITE_SECRET_KEY": app.config["SECRET_KEY"],
        "TRUSTSITE_LOG_FORMAT": "text",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "-",
            "--error-logfile",
            "-",
            "subscribe_service:create_app()",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        asked = [
            ("GET", links.manage, 200),
            ("GET", links.manage + "/nothing?token=" + links.object[8:], 404),
            ("POST", links.object + "?x=1", 503),
        ]
        for method, path, status in asked:
            assert _request(port, method, path) == status
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    assert "GET /manage/<token> HTTP/1.1" in output, output
    assert "database unavailable" in output
    assert_no_token(output, tokens_of(links))


def _request(port: int, method: str, path: str) -> int:
    end = time.monotonic() + 60
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            body = "reason=x" if method == "POST" else None
            headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": SITE}
            conn.request(method, path, body=body, headers=headers)
            status = conn.getresponse().status
            conn.close()
            return status
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.2)
