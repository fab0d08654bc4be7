"""The service's view of the built site (service.json): read when it changes, never from
`data/`, and a site that is not built yet is a 503 on the request forms, not a crash."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from subscribe_service.infra.published_site import PublishedSite, SiteNotPublished
from subscribe_service.requests.settings import get_settings
from tests.support.published_data import FIXTURE_DATA, write_service_json

PRIVACY = "privacy@larkspur.example"  # contacts.privacy of tests/fixtures/data-small
FORM = {
    "name": "Chris Okafor",
    "email": "chris@person.example",
    "request_type": "deletion",
    "controller": "Tulip & Thistle Florists",
    "details": "I ordered flowers in May.",
    "website": "",
}


def _touch_later(path: Path) -> None:
    """Move the file's mtime on, as a later build's file would have."""
    later = path.stat().st_mtime_ns + 5_000_000_000
    os.utime(path, ns=(later, later))


def test_a_new_build_is_read_without_a_restart(tmp_path: Path) -> None:
    site = tmp_path / "site"
    target = write_service_json(site, FIXTURE_DATA, dt.date(2025, 6, 1))
    published = PublishedSite(site)
    assert published.info().as_of == dt.date(2025, 6, 1)
    assert published.info() is published.info()  # unchanged: not read again

    write_service_json(site, FIXTURE_DATA, dt.date(2025, 6, 2))
    _touch_later(target)
    assert published.info().as_of == dt.date(2025, 6, 2)


def test_the_last_good_file_stays_in_use(tmp_path: Path, caplog) -> None:
    site = tmp_path / "site"
    target = write_service_json(site)
    published = PublishedSite(site)
    first = published.info()
    target.unlink()  # the build swaps the folder: a moment without the file
    assert published.info() is first
    target.write_text('{"format": "trustsite-service/1", "as_of": "yesterday"}')
    assert published.info() is first
    assert "service.json is not a trustsite-service/1 file: as_of:" in caplog.text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "service.json cannot be read (No such file or directory); build the site first"),
        (b"\xff\xfe", "is not a trustsite-service/1 file: not JSON"),
        (b"[]", "format is None; this service reads 'trustsite-service/1'"),
        (
            json.dumps({"format": "trustsite-changes/1"}).encode(),
            "format is 'trustsite-changes/1'; this service reads 'trustsite-service/1'",
        ),
        (b" " * (1024 * 1024 + 1), "bytes, over the limit of 1048576"),
    ],
)
def test_a_site_that_is_not_published_says_why(tmp_path: Path, content, message) -> None:
    site = tmp_path / "site"
    site.mkdir()
    if content is not None:
        (site / "service.json").write_bytes(content)
    with pytest.raises(SiteNotPublished, match=message.replace("(", r"\(").replace(")", r"\)")):
        PublishedSite(site).info()


def test_without_data_on_disk_the_forms_work_from_the_built_site(
    make_app, tmp_path, monkeypatch, smtp_server, send_all
) -> None:
    monkeypatch.chdir(tmp_path)  # no data/ here: the service must not need one
    site = tmp_path / "site"
    app = make_app(SITE_DIR=str(site))
    client = app.test_client()
    assert client.post("/api/subject-requests", json=FORM).status_code == 503
    assert client.post("/api/subscriptions", json={"email": "a@client.example"}).status_code in (
        202,
        303,
    )

    # The daily build writes the site; the next request uses it, without a restart.
    write_service_json(site)
    assert client.post("/api/subject-requests", json=FORM).status_code == 202
    with app.app_context():
        assert get_settings().require_site().contacts.privacy == PRIVACY
    send_all(app)
    assert PRIVACY in {m["To"] for m in smtp_server.messages}
    assert not (tmp_path / "data").exists()


def test_a_running_sender_names_the_company_of_the_latest_build(
    tmp_path: Path, make_app, smtp_server, send_all
) -> None:
    site = tmp_path / "renamed-site"
    target = write_service_json(site, FIXTURE_DATA, dt.date(2025, 6, 1))
    app = make_app(SITE_DIR=str(site))
    client = app.test_client()
    headers = {"Origin": app.config["SITE_ORIGIN"]}
    body = {"email": "ann@example.com", "topics": ["dpa"]}
    assert client.post("/api/subscriptions", json=body, headers=headers).status_code == 202

    document = json.loads(target.read_text(encoding="utf-8"))
    document["company"]["name"] = "Larkspur Renamed"
    target.write_text(json.dumps(document), encoding="utf-8")
    _touch_later(target)  # a later build replaced the file; the app was not restarted
    send_all(app)

    [mail] = smtp_server.messages
    assert "Larkspur Renamed" in mail["From"] and "Larkspur Renamed" in mail["Subject"]
