"""The hostile-input corpus against `POST /api/report-requests` (tests/fixtures/hostile).

The same rules as the other endpoints (web/test_hostile_input.py): no 5xx, every refusal a
problem+json, poisoned text never accepted; on SQLite and PostgreSQL. This endpoint needs
a published site that offers a report and the private reports folder, hence its own file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from published_data import write_service_json
from test_hostile_input import CORPUS, STRINGS, Tally, backend_of, body_bytes, poisoned, post

REPO_DATA = Path(__file__).resolve().parents[3] / "data"
PATH = "/api/report-requests"
VALID = {
    "name": "Ada Brandt",
    "email": "ada@client.example",
    "company": "Client Shop GmbH",
    "report": "soc-2-type-2",
    "nda_version": "1.0",
    "accept_nda": "yes",
    "website": "",
}


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    reports = tmp_path / "private-reports"
    reports.mkdir()
    (reports / "soc-2-type-2.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    site = tmp_path / "site"
    write_service_json(site, REPO_DATA)  # the demo data offers the SOC 2 report on request
    return {"SITE_DIR": str(site), "REPORTS_DIR": str(reports)}


def test_report_requests_survive_every_string_in_every_field(backend_app):
    tally = Tally(PATH, backend_of(backend_app))
    client = backend_app.test_client()
    for field in VALID:
        for value in STRINGS:
            body = {**VALID, field: value}
            what = f"{PATH} {field}={value[:30]!r}"
            tally.check(post(client, PATH, json=body), what + " json", must_refuse=poisoned(value))
            form = urlencode(body, encoding="utf-8", errors="surrogatepass")
            response = post(
                client, PATH, data=form, content_type="application/x-www-form-urlencoded"
            )
            tally.check(response, what + " form", must_refuse=poisoned(value))
    assert tally.codes[202] + tally.codes[303] > 0  # the valid request did get through
    tally.report()


def test_report_requests_answer_every_raw_body_without_a_server_error(backend_app):
    tally = Tally(PATH + " (bodies)", backend_of(backend_app))
    client = backend_app.test_client()
    for entry in CORPUS["bodies"]:
        response = post(client, PATH, data=body_bytes(entry), content_type=entry["content_type"])
        tally.check(response, f"{PATH} {entry['name']}")
    tally.report()
