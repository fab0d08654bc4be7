"""Security report requests through HTTP: request -> approve -> download -> expiry, with the
mails read from a real SMTP server, a real report PDF and the demo data of `data/`."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pypdf
import pytest
from fpdf import FPDF

from subscribe_service.requests.reports.models import ReportDownload
from tests.support.published_data import write_service_json
from tests.support.requests_data import sql
from tests.support.service_mail import link, path_of, text_of

REPO_DATA = Path(__file__).resolve().parents[3] / "data"
SECURITY = "security@larkspur.example"
FORM = {
    "name": "Ada Brandt",
    "email": "ada@client.example",
    "company": "Client Shop GmbH",
    "report": "soc-2-type-2",
    "nda_version": "1.0",
    "accept_nda": "yes",
    "website": "",
}


def _report_pdf(pages: int) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(0, 10, f"SOC 2 Type II report, page {number}")
    return bytes(pdf.output())


@pytest.fixture
def reports_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "private-reports"
    folder.mkdir()
    (folder / "soc-2-type-2.pdf").write_bytes(_report_pdf(3))
    # In the private folder, but offered by no certification of the site.
    (folder / "internal-pentest-2026.pdf").write_bytes(_report_pdf(1))
    return folder


@pytest.fixture
def app_config(reports_dir: Path, tmp_path: Path) -> dict[str, Any]:
    site = tmp_path / "site"
    write_service_json(site, REPO_DATA)  # the demo data offers the SOC 2 report on request
    return {"SITE_DIR": str(site), "REPORTS_DIR": str(reports_dir)}


def _to(messages, recipient):
    return [m for m in messages if m["To"] == recipient]


def _request_and_approve(app, client, runner, send_all, smtp_server) -> str:
    response = client.post("/api/report-requests", data=FORM)
    assert response.status_code == 303
    result = runner.invoke(args=["requests", "approve", "report-1"])
    assert result.exit_code == 0, result.output
    send_all(app)
    approved = [m for m in _to(smtp_server.messages, FORM["email"]) if "download" in m["Subject"]]
    assert len(approved) == 1
    return path_of(link(approved[0], "reports"))


def test_request_approve_download_once_a_day_then_expire(
    app, client, runner, smtp_server, send_all
):
    response = client.post("/api/report-requests", data=FORM)
    assert response.status_code == 303
    [(version, accepted_at)] = sql(app, "SELECT nda_version, nda_accepted_at FROM report_requests")
    assert version == "1.0" and accepted_at

    send_all(app)
    [ack] = _to(smtp_server.messages, FORM["email"])
    assert ack["Subject"] == "Your request for the SOC 2 Type II report"
    assert "http://127.0.0.1:8000/security/nda/1.0/" in text_of(ack)
    assert "/reports/" not in text_of(ack)  # nothing to download before approval
    [team] = _to(smtp_server.messages, SECURITY)
    assert "NDA:      version 1.0, accepted" in text_of(team)
    assert "requests approve report-1" in text_of(team)

    result = runner.invoke(args=["requests", "approve", "report-1"])
    assert result.exit_code == 0 and "report-1 approved" in result.output
    send_all(app)
    [mail] = [m for m in _to(smtp_server.messages, FORM["email"]) if m is not ack]
    assert mail["Subject"] == "Your download link for the SOC 2 Type II report"
    url = link(mail, "reports")
    assert url.startswith("http://127.0.0.1:8000/reports/")

    download = client.get(path_of(url))
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.headers["Cache-Control"] == "no-store"
    reader = pypdf.PdfReader(io.BytesIO(download.data))
    assert len(reader.pages) == 3
    for page in reader.pages:  # stamped with the requester and the date, every page
        assert "Provided to ada@client.example on" in page.extract_text()

    again = client.get(path_of(url))
    assert again.status_code == 429 and int(again.headers["Retry-After"]) > 0
    assert sql(app, "SELECT count(*) FROM report_downloads")[0][0] == 1

    listing = runner.invoke(args=["requests", "reports"]).output
    assert "report-1" in listing and "approved" in listing and "1 download(s)" in listing
    exported = runner.invoke(args=["requests", "export-reports"]).output
    assert '"nda_version": "1.0"' in exported and '"downloads": [' in exported

    sql(app, "DELETE FROM report_downloads")  # a new day ...
    sql(app, "UPDATE report_requests SET link_expires_at = datetime('now', '-1 minute')")
    expired = client.get(path_of(url))  # ... after the link's seven days
    assert expired.status_code == 410
    assert expired.headers["Content-Type"].startswith("application/problem+json")


def test_link_lives_seven_days_by_default(app, client, runner, smtp_server, send_all):
    _request_and_approve(app, client, runner, send_all, smtp_server)
    [(days,)] = sql(
        app, "SELECT julianday(link_expires_at) - julianday(decided_at) FROM report_requests"
    )
    assert round(days, 3) == 7


def test_tampered_link_is_400_and_leaves_no_record(app, client, runner, smtp_server, send_all):
    path = _request_and_approve(app, client, runner, send_all, smtp_server)
    token = path.rsplit("/", 1)[1]
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert client.get(f"/reports/{forged}").status_code == 400
    assert client.get("/reports/x").status_code == 400
    assert sql(app, "SELECT count(*) FROM report_downloads")[0][0] == 0


def test_declined_request_downloads_nothing(app, client, runner, smtp_server, send_all):
    assert client.post("/api/report-requests", json={**FORM, "accept_nda": True}).status_code == 202
    result = runner.invoke(args=["requests", "decline", "report-1"])
    assert result.exit_code == 0 and result.output == "report-1 declined\n"
    send_all(app)
    mails = _to(smtp_server.messages, FORM["email"])
    assert len(mails) == 2
    assert all("/reports/" not in text_of(m) for m in mails)
    assert "cannot share our SOC 2 Type II report" in text_of(mails[-1])
    refused = runner.invoke(args=["requests", "approve", "report-1"])
    assert refused.exit_code != 0 and "declined" in refused.output


def test_declining_after_approval_revokes_the_link(app, client, runner, smtp_server, send_all):
    path = _request_and_approve(app, client, runner, send_all, smtp_server)
    assert runner.invoke(args=["requests", "decline", "report-1"]).exit_code == 0
    assert client.get(path).status_code == 410


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"accept_nda": ""}, "accept_nda"),
        ({"accept_nda": "no"}, "accept_nda"),
        ({"report": "iso-27001"}, "report"),  # a public certification: not on request
        ({"report": "internal-pentest-2026"}, "report"),  # a file no certification offers
        ({"report": "no-such-report"}, "report"),
        ({"report": "../site.yaml"}, "report"),
        ({"nda_version": "latest"}, "nda_version"),
        ({"nda_version": "99.99.99"}, "nda_version"),  # never published
        ({"nda_version": "\u0661.\u0660"}, "nda_version"),  # Arabic-Indic digits for 1.0
        ({"nda_version": "1.0\n"}, "nda_version"),
        ({"nda_version": "1.0 "}, "nda_version"),
        ({"email": "not an address"}, "email"),
        ({"name": "Ada\r\nBcc: x@y.example"}, "name"),
    ],
)
def test_bad_requests_name_the_field_and_record_nothing(app, client, change, field):
    response = client.post("/api/report-requests", json={**FORM, **change})
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert field in response.get_data(as_text=True)
    assert sql(app, "SELECT count(*) FROM report_requests")[0][0] == 0


def test_the_answer_does_not_tell_which_files_exist(app, client, reports_dir):
    """A file no certification offers and a name with no file get the same refusal; an
    offered report whose file is not there yet is accepted like one whose file is."""
    def ask(report: str):
        return client.post("/api/report-requests", json={**FORM, "report": report})

    with_file, without = ask("internal-pentest-2026"), ask("internal-pentest-2027")
    assert with_file.status_code == without.status_code == 422
    assert with_file.get_json() == without.get_json()
    (reports_dir / "soc-2-type-2.pdf").unlink()
    assert client.post("/api/report-requests", json=FORM).status_code == 202
    assert sql(app, "SELECT report FROM report_requests") == [("soc-2-type-2",)]


def test_erase_and_purge_take_downloads_and_mails_along(app, client, runner, smtp_server, send_all):
    path = _request_and_approve(app, client, runner, send_all, smtp_server)
    assert client.get(path).status_code == 200
    assert runner.invoke(args=["requests", "erase", "report-1"]).exit_code == 0
    for table in ("report_requests", "report_downloads"):
        assert sql(app, f"SELECT count(*) FROM {table}")[0][0] == 0
    assert sql(app, "SELECT count(*) FROM outbox WHERE kind LIKE 'report_%'")[0][0] == 0

    assert client.post("/api/report-requests", json=FORM).status_code == 202
    sql(app, "UPDATE report_requests SET created_at = datetime('now', '-91 days')")
    output = runner.invoke(args=["requests", "purge"]).output
    assert "purged 1 security report request(s) and their downloads" in output
    assert sql(app, "SELECT count(*) FROM report_requests")[0][0] == 0


def test_openapi_describes_the_endpoint(client):
    spec = client.get("/api/openapi.json").get_json()
    post = spec["paths"]["/api/report-requests"]["post"]
    assert "NDA" in post["summary"]


def test_download_model_is_one_per_day():
    constraints = {c.name for c in ReportDownload.__table__.constraints}
    assert "uq_report_downloads_day" in constraints
