"""The development runner: site, API, mail sink and sender in one process, in a browser's shoes."""

from __future__ import annotations

import http.client
import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from subscribe_service.dev.server import build_site
from subscribe_service.dev.smtpsink import free_port


def request(port: int, method: str, path: str, body: str | None = None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read().decode("utf-8", "replace")
    conn.close()
    return response, data


def wait_for(predicate, timeout: float = 60, interval: float = 0.3):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            value = predicate()
            if value:
                return value
        except OSError:
            pass
        time.sleep(interval)
    raise AssertionError("timed out")


@pytest.mark.slow
def test_subscribe_and_confirm_in_the_browser_way(tmp_path: Path):
    site = tmp_path / "site"
    (site / "subscribe" / "check-email").mkdir(parents=True)
    (site / "index.html").write_text("<!doctype html><title>Larkspur Relay trust center</title>")
    (site / "subscribe" / "check-email" / "index.html").write_text("<p>Check your email</p>")
    port, smtp_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTSITE_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "subscribe_service.dev.server", "--port", str(port),
         "--smtp-port", str(smtp_port), "--site-dir", str(site), "--no-build"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    origin = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: request(port, "GET", "/healthz")[0].status == 200)
        home = request(port, "GET", "/")[1]
        assert "Larkspur Relay trust center" in home
        # The site's form, posted without JavaScript.
        response, _ = request(
            port, "POST", "/api/subscriptions",
            urlencode({"email": "dana@example.com", "topics": "subprocessors"}),
            {"Content-Type": "application/x-www-form-urlencoded", "Origin": origin},
        )  # fmt: skip
        assert response.status == 303
        assert response.getheader("Location") == f"{origin}/subscribe/check-email/"
        # The sender delivers to the sink; the mail page lists it.
        listing = wait_for(
            lambda: (
                "Confirm your subscription" in (page := request(port, "GET", "/_dev/mail")[1])
                and page
            )
        )
        number = re.search(r'href="/_dev/mail/(\d+)"', listing).group(1)
        detail = request(port, "GET", f"/_dev/mail/{number}")[1]
        confirm = re.search(rf'href="({re.escape(origin)}/confirm/[^"]+)"', detail).group(1)
        html_part = request(port, "GET", f"/_dev/mail/{number}/html")[1]
        assert confirm in html_part and '<base target="_top">' in html_part
        path = urlsplit(confirm).path
        assert "Confirm subscription" in request(port, "GET", path)[1]
        response, page = request(port, "POST", path, "", {"Origin": origin})
        assert response.status == 200 and "You are subscribed" in page
    finally:
        proc.send_signal(signal.SIGINT)
        output = proc.communicate(timeout=30)[0]
    assert proc.returncode == 0, output
    assert "mail received for dana@example.com" in output
    assert "stopped" in output


def test_build_failure_is_reported_and_not_fatal(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="trustsite.dev"):
        built = build_site(tmp_path / "site", tmp_path / "no-data")
    assert built is False
    assert "the site did not build" in caplog.text and "starts anyway" in caplog.text
