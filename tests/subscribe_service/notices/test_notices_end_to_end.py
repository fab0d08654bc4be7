"""End to end: the site is built, readers subscribe through HTTP, a sub-processor is added to
the data, the site is rebuilt, `notify` reads the published changes.json over HTTP and the
real sender delivers to a real SMTP server: one notice per confirmed subscriber of the topic.
"""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from subscribe_service.notices.render import long_date
from tests.support.notices_helpers import invoke
from tests.support.service_mail import link, path_of, text_of, unsubscribe_header_url

FIXTURE_DATA = Path(__file__).parents[2] / "fixtures" / "data-small"
TODAY = "2025-06-01"
ORIGIN = {"Origin": "http://127.0.0.1:8000"}
LOCAL = ("--allow-host", "127.0.0.1")  # the published site is served on this machine

NEW_CHANGE = """\
announced: 2025-06-01
effective: 2025-08-01
summary: Adds Echo Analytics for product usage statistics; Alpha Hosting adds Ireland.
editorial: false
add:
  - id: echo-analytics
    entity: Echo Analytics Inc.
    purpose: Measures how the product is used
    data_categories: [Usage data, Device identifiers]
    processing_locations: [US]
    corporate_location: US
    transfer_mechanism: DPF
    website: https://echo-analytics.example
    relationship: third-party
change:
  alpha-hosting:
    processing_locations: [DE, IE]
"""


def build(data: Path, site: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "generator.cli.commands",
            "build",
            "--data",
            str(data),
            "--site-dir",
            str(site),
            "--today",
            TODAY,
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture
def published(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """(site folder, its URL): the built site served over HTTP on localhost."""
    site = tmp_path / "site"
    site.mkdir()
    handler = lambda *a, **kw: _QuietHandler(*a, directory=str(site), **kw)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield site, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def subscribe_and_confirm(app, client, smtp_server, send_all, email: str, topics: list[str]):
    response = client.post("/api/subscriptions", json={"email": email, "topics": topics})
    assert response.status_code == 202
    send_all(app)
    mail = smtp_server.messages_to(email)[-1]
    assert client.post(path_of(link(mail, "confirm")), headers=ORIGIN).status_code == 200
    return mail


@pytest.mark.slow
def test_added_subprocessor_reaches_each_confirmed_subscriber_once(
    app, smtp_server, send_all, tmp_path, published
):
    site, site_url = published
    data = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, data)
    build(data, site)

    client = app.test_client()
    subscribe_and_confirm(
        app, client, smtp_server, send_all, "ann@client.example", ["subprocessors", "dpa"]
    )
    subscribe_and_confirm(
        app, client, smtp_server, send_all, "bob@client.example", ["subprocessors"]
    )
    subscribe_and_confirm(app, client, smtp_server, send_all, "erin@client.example", ["dpa"])
    dave = subscribe_and_confirm(
        app, client, smtp_server, send_all, "dave@client.example", ["subprocessors"]
    )
    client.post(
        "/api/subscriptions", json={"email": "carol@client.example", "topics": ["subprocessors"]}
    )  # never confirms
    send_all(app)
    # Dave leaves through the one-click link of his confirmation mail.
    assert client.post(path_of(unsubscribe_header_url(dave))).status_code == 200

    # The history already on the site was announced before the service existed.
    first = invoke(app, "notify", f"{site_url}/changes.json", *LOCAL, "--baseline")
    assert "nobody is mailed" in first.output, first.output

    (data / "subprocessors" / "2025-08-01.yaml").write_text(NEW_CHANGE, "utf-8")
    build(data, site)
    record = next(
        c
        for c in json.loads((site / "changes.json").read_text("utf-8"))["changes"]
        if c["id"] == "subprocessors/2025-08-01"
    )
    smtp_server.clear()

    result = invoke(app, "notify", f"{site_url}/changes.json", *LOCAL)
    assert "subprocessors/2025-08-01: 2 deliveries queued" in result.output, result.output
    assert "1 notice created, 2 deliveries queued." in result.output
    counts = send_all(app)

    assert counts.sent == 2
    assert sorted(r for item in smtp_server.received for r in item.recipients) == [
        "ann@client.example",
        "bob@client.example",
    ]
    for mail in smtp_server.messages:
        assert mail["Subject"].startswith(
            "Larkspur Relay sub-processor change, effective 1 August 2025: Adds Echo Analytics"
        )
        assert mail["List-Id"] == "Larkspur Relay Sub-processors <subprocessors.127.0.0.1>"
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert mail["Auto-Submitted"] == "auto-generated"
        text = text_of(mail).replace("\r\n", "\n")
        assert "* Echo Analytics Inc.\n" in text
        assert "    Transfer mechanism: EU-U.S. Data Privacy Framework" in text
        assert (
            "* Alpha Hosting GmbH\n"
            "    Processing locations: Germany (DE) -> Germany (DE), Ireland (IE)"
        ) in text
        assert f"Object by:     the end of {long_date(record['objection_deadline'])} (UTC)" in text
        assert record["url"] in text and record["diff_url"] in text
        assert path_of(link(mail, "object")).startswith("/object/")

    # Sending again and notifying again change nothing.
    assert send_all(app).sent == 0
    assert "0 notices created" in invoke(app, "notify", f"{site_url}/changes.json", *LOCAL).output
