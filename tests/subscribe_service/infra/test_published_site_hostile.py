"""service.json read like any untrusted input: a FIFO, a link to /dev/zero, a huge or deeply
nested file never hang, exhaust or crash the service. The last good copy stays in use; with
none, the request endpoints answer 503 and the sender leaves no batch leased."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from subscribe_service.infra.db import session_scope
from subscribe_service.infra.models import OutboxMessage
from subscribe_service.infra.published_site import PublishedSite, SiteNotPublished
from tests.support.published_data import FIXTURE_DATA, write_service_json

pytestmark = pytest.mark.timeout(60)  # a read that blocks fails the test, not the run

DPA_FORM = {"name": "Ada Brandt", "email": "ada@client.example", "company": "Client Shop GmbH"}
REPORT_FORM = {
    **DPA_FORM,
    "report": "soc-2-type-2",
    "nda_version": "1.0",
    "accept_nda": "yes",
}
REPO_DATA = Path(__file__).resolve().parents[3] / "data"


CORPUS = json.loads((Path(__file__).parents[2] / "fixtures/hostile/corpus.json").read_text())
HOSTILE = {entry["name"]: entry for entry in CORPUS["service_json"]}


def _make(entry: dict[str, Any], path: Path) -> None:
    """Put the corpus entry's hostile service.json in place."""
    if entry.get("make") == "fifo":
        os.mkfifo(path)
    elif entry.get("make") == "symlink":
        path.symlink_to(entry["target"])
    elif entry.get("make") == "folder":
        path.mkdir()
    else:
        path.write_bytes(b"".join(text.encode() * times for text, times in entry["parts"]))


def _later(path: Path) -> None:
    """Give a replaced file a later mtime, as the next build's would have (not a link's
    target: os.utime follows links, and /dev/zero is not ours)."""
    if path.is_file() and not path.is_symlink():
        later = path.stat().st_mtime_ns + 5_000_000_000
        os.utime(path, ns=(later, later))


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_file_is_refused_with_the_reason(tmp_path: Path, name: str) -> None:
    site = tmp_path / "site"
    site.mkdir()
    _make(HOSTILE[name], site / "service.json")
    with pytest.raises(SiteNotPublished, match=HOSTILE[name]["reason"]):
        PublishedSite(site).info()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_the_last_good_copy_stays_in_use(tmp_path: Path, name: str, caplog) -> None:
    reason = HOSTILE[name]["reason"]
    site = tmp_path / "site"
    target = write_service_json(site, FIXTURE_DATA)
    published = PublishedSite(site)
    good = published.info()
    target.unlink()
    _make(HOSTILE[name], target)
    _later(target)
    assert published.info() is good
    assert published.info() is good
    assert caplog.text.count(reason) == 1  # read and logged once, not on every request


def test_strings_full_of_brackets_and_quotes_are_not_nesting(tmp_path: Path) -> None:
    """Brackets inside strings do not count (the corpus's `escaped-quotes` shows a run of
    escaped quotes is scanned in linear time: a backtracking pattern took minutes)."""
    site = tmp_path / "site"
    target = write_service_json(site, FIXTURE_DATA)
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace('"Larkspur Relay"', '"' + "[{" * 100 + '"', 1))
    assert PublishedSite(site).info().company.name == "[{" * 100


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_requests_answer_503_when_no_good_copy_was_ever_read(
    make_app, tmp_path: Path, name: str
) -> None:
    reports = tmp_path / "private-reports"
    reports.mkdir()
    site = tmp_path / "site"
    site.mkdir()
    _make(HOSTILE[name], site / "service.json")
    app = make_app(SITE_DIR=str(site), REPORTS_DIR=str(reports))
    client = app.test_client()
    for path, form in (("/api/dpa-requests", DPA_FORM), ("/api/report-requests", REPORT_FORM)):
        response = client.post(path, json=form)
        assert response.status_code == 503, (path, response.data)
        assert response.headers["Content-Type"] == "application/problem+json"


def test_requests_keep_working_on_the_last_good_copy(make_app, tmp_path: Path) -> None:
    reports = tmp_path / "private-reports"
    reports.mkdir()
    site = tmp_path / "site"
    target = write_service_json(site, REPO_DATA)  # offers the SOC 2 report on request
    app = make_app(SITE_DIR=str(site), REPORTS_DIR=str(reports))
    client = app.test_client()
    assert client.post("/api/report-requests", json=REPORT_FORM).status_code == 202
    target.unlink()
    _make(HOSTILE["fifo"], target)
    assert client.post("/api/report-requests", json=REPORT_FORM).status_code == 202
    assert client.post("/api/dpa-requests", json=DPA_FORM).status_code == 202


def test_the_sender_gives_its_batch_back(backend_app, tmp_path: Path, send_all) -> None:
    """Mails queued on a good file, then a broken build and a restart: nothing stays leased
    (the request mails wait for a readable file), and mails that need no file go out."""
    site = Path(backend_app.config["SITE_DIR"])
    client = backend_app.test_client()
    headers = {"Origin": backend_app.config["SITE_ORIGIN"]}
    assert client.post("/api/subject-requests", headers=headers, json={
        "name": "Chris Okafor",
        "email": "chris@person.example",
        "request_type": "deletion",
        "controller": "Tulip & Thistle Florists",
    }).status_code == 202  # fmt: skip
    body = {"email": "ann@example.com", "topics": ["dpa"]}
    assert client.post("/api/subscriptions", json=body, headers=headers).status_code == 202

    (site / "service.json").unlink()
    _make(HOSTILE["nested-200000-deep"], site / "service.json")
    published = backend_app.extensions["trustsite.published_site"]
    published._key = published._info = None  # as after a restart: no good copy read yet
    send_all(backend_app)

    with backend_app.app_context(), session_scope(backend_app) as session:
        rows = {
            m.kind: (m.status, m.last_error or "") for m in session.scalars(select(OutboxMessage))
        }
    assert all(status != "sending" for status, _error in rows.values()), rows
    assert rows["confirm"][0] == "sent"
    # Settled with the reason, like any mail that cannot be rendered (retried with backoff;
    # the tests' SEND_BACKOFF_SECONDS=0 runs out the attempts at once).
    status, error = rows["subject_request_ack"]
    assert status in ("queued", "failed") and "nested more than" in error


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, str]:
    """A site folder of this test's own, so the test may break its service.json."""
    site = tmp_path / "own-site"
    write_service_json(site, FIXTURE_DATA)
    return {"SITE_DIR": str(site)}
