"""The hostile-input corpus against `POST /api/report-requests` and the download links
(tests/fixtures/hostile).

The same rules as the other endpoints (web/test_hostile_input.py): no 5xx, every refusal a
problem+json, poisoned text never accepted; on SQLite and PostgreSQL. Then the corpus's
own probes of this endpoint (`report_requests`: a report never offered, an NDA version
never shown) and of its links (`report_links`: forged numbers, corrupt rows), each with the
answer it must get. This endpoint needs a published site that offers a report and the
private reports folder, hence its own file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from subscribe_service.identity import tokens
from subscribe_service.infra.db import session_scope
from subscribe_service.requests.reports import gate as reports
from subscribe_service.requests.reports.models import ReportRequest
from tests.subscribe_service.web.test_hostile_input import (
    CORPUS,
    STRINGS,
    Tally,
    backend_of,
    check_refusal,
    poisoned,
    post,
    send_body,
)
from tests.support.published_data import write_service_json
from tests.support.requests_data import sql

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
    (reports / "internal-pentest-2026.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")  # never offered
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
        response = send_body(client, PATH, entry)
        tally.check(response, f"{PATH} {entry['name']}")
        check_refusal(response, entry)
    tally.report()


@pytest.mark.parametrize(
    "probe", CORPUS["report_requests"], ids=lambda p: f"{p['field']}={p['value']!r}"
)
def test_what_the_site_does_not_offer_is_refused(backend_app, probe):
    """The field is named, the same answer whether a file exists or not, nothing stored."""
    client = backend_app.test_client()
    body = {**VALID, probe["field"]: probe["value"]}
    as_json = post(client, PATH, json=body)
    as_form = post(
        client, PATH, data=urlencode(body), content_type="application/x-www-form-urlencoded"
    )
    for response in (as_json, as_form):
        assert response.status_code == probe["refused"], response.data
        problem = response.get_json()
        assert [p["name"] for p in problem["invalid_params"]] == [probe["field"]]
    if probe["field"] == "report":
        assert as_json.get_json() == post(client, PATH, json={**VALID, "report": "zz"}).get_json()
    assert sql(backend_app, "SELECT count(*) FROM report_requests")[0][0] == 0


def _approved(app) -> ReportRequest:
    client = app.test_client()
    assert post(client, PATH, json=VALID).status_code == 202
    with app.app_context(), session_scope(app) as session:
        request = session.get(ReportRequest, 1)
        reports.approve(session, request, days=7)
        session.expunge(request)
    return request


@pytest.mark.parametrize("probe", CORPUS["report_links"], ids=lambda p: p["name"])
def test_a_forged_or_corrupt_link_is_a_clear_4xx(backend_app, probe):
    if probe.get("sqlite_only") and backend_of(backend_app) != "sqlite":
        pytest.skip("PostgreSQL cannot hold such a value: it is a timestamp column there")
    request = _approved(backend_app)
    if "payload" in probe:
        token = tokens._serializer("report", backend_app.config).dumps(probe["payload"])
    else:
        with backend_app.app_context():
            token = reports.download_token(request)
        for column, value in probe["corrupt"].items():
            sql(backend_app, f"UPDATE report_requests SET {column} = :value", value=value)
    response = backend_app.test_client().get(f"/reports/{token}")
    assert response.status_code == probe["refused"], response.data[:300]
    assert response.headers["Content-Type"] == "application/problem+json"
    assert sql(backend_app, "SELECT count(*) FROM report_downloads")[0][0] == 0
    if "corrupt" in probe:  # and the damaged row can still be erased
        erased = backend_app.test_cli_runner().invoke(args=["requests", "erase", "report-1"])
        assert erased.output == "report-1 erased\n"
        assert sql(backend_app, "SELECT count(*) FROM report_requests")[0][0] == 0
