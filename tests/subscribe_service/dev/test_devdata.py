"""`trustsite-dev --port N` builds the site for the address it serves: the forms post there."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from subscribe_service.dev.data import data_for_url
from subscribe_service.dev.smtpsink import free_port
from tests.subscribe_service.dev.test_devserver import request, wait_for

ROOT = Path(__file__).resolve().parents[3]
SMALL = ROOT / "tests" / "fixtures" / "data-small"


def test_the_copy_names_the_served_address_and_the_original_is_untouched(tmp_path: Path):
    before = (SMALL / "site.yaml").read_bytes()
    copy = data_for_url(SMALL, "http://127.0.0.1:8123/", tmp_path)
    text = (copy / "site.yaml").read_text(encoding="utf-8")
    assert re.findall(r"^(?:site|service)_url: (.*)$", text, re.M) == ["http://127.0.0.1:8123/"] * 2
    assert (SMALL / "site.yaml").read_bytes() == before
    assert sorted(p.name for p in (copy / "dpa").iterdir()) == sorted(
        p.name for p in (SMALL / "dpa").iterdir()
    )
    # A second start replaces the copy rather than failing on it.
    assert data_for_url(SMALL, "http://127.0.0.1:9000/", tmp_path) == copy
    assert "http://127.0.0.1:9000/" in (copy / "site.yaml").read_text(encoding="utf-8")


@pytest.mark.slow
def test_forms_post_to_the_port_the_dev_server_listens_on(tmp_path: Path):
    port, smtp_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTSITE_")}
    env["TRUSTSITE_TODAY"] = "2025-06-01"
    env["TRUSTSITE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'dev.db'}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "subscribe_service.dev.server", "--port", str(port),
         "--smtp-port", str(smtp_port), "--data", str(SMALL), "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        wait_for(lambda: request(port, "GET", "/healthz")[0].status == 200, timeout=240)
        page = request(port, "GET", "/subscribe/")[1]
        actions = re.findall(r'<form[^>]*action="([^"]+)"', page)
        assert actions == [f"http://127.0.0.1:{port}/api/subscriptions"]
        assert ":8000/" not in page
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
