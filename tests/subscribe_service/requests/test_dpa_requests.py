"""POST /api/dpa-requests through HTTP, with the mails read from a real SMTP server."""

from __future__ import annotations

import io

import pypdf
import pytest

from tests.support.published_data import write_service_json
from tests.support.requests_data import CURRENT_DPA, PRIVACY, SITE_URL, sql, write_data
from tests.support.service_mail import html_of, text_of

FORM = {
    "name": "Ada Brandt",
    "email": "ada@client.example",
    "company": "Client Shop GmbH",
    "signed_version": "1.0",
    "website": "",
}
PDF_NAME = f"larkspur-relay-dpa-{CURRENT_DPA}.pdf"


def _only(messages, recipient):
    found = [m for m in messages if m["To"] == recipient]
    assert len(found) == 1, [m["To"] for m in messages]
    return found[0]


def test_form_post_mails_requester_the_current_pdf_and_tells_the_team(
    app, client, smtp_server, send_all, site_dir
):
    response = client.post("/api/dpa-requests", data=FORM)
    assert response.status_code == 303
    assert response.headers["Location"] == SITE_URL + "requests/received/"

    send_all(app)
    assert len(smtp_server.messages) == 2
    mail = _only(smtp_server.messages, FORM["email"])
    assert mail["Subject"] == f"The current Larkspur Relay DPA (version {CURRENT_DPA})"
    assert mail["Reply-To"] == PRIVACY
    body = text_of(mail)
    assert f"version {CURRENT_DPA}, effective 1 March 2024" in body
    assert f"{SITE_URL}dpa/{CURRENT_DPA}/" in body
    assert "A PDF of this version is attached" in body
    assert "You told us you signed version 1.0" in body
    assert f"{SITE_URL}dpa/versions/" in body
    assert "3.0" not in body  # the draft is not published yet
    assert f'href="{SITE_URL}dpa/{CURRENT_DPA}/"' in html_of(mail)

    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == PDF_NAME
    assert attachment.get_content_type() == "application/pdf"
    pdf = attachment.get_content()
    assert pdf == (site_dir / "dpa" / CURRENT_DPA / PDF_NAME).read_bytes()
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert f"Version {CURRENT_DPA}" in reader.pages[0].extract_text()

    team = _only(smtp_server.messages, PRIVACY)
    assert team["Subject"] == "DPA request from Ada Brandt (Client Shop GmbH)"
    assert team["Reply-To"] == FORM["email"]
    team_body = text_of(team)
    for expected in ("Ada Brandt", FORM["email"], "Client Shop GmbH", "Signed:   1.0"):
        assert expected in team_body
    assert f"version {CURRENT_DPA} ({SITE_URL}dpa/{CURRENT_DPA}/), PDF attached" in team_body
    assert not list(team.iter_attachments())


def test_json_gets_202_and_the_version_is_optional(app, client, smtp_server, send_all):
    body = {k: v for k, v in FORM.items() if k not in ("signed_version", "website")}
    response = client.post("/api/dpa-requests", json=body)
    assert response.status_code == 202
    assert response.json["status"] == "accepted"
    send_all(app)
    mail = _only(smtp_server.messages, FORM["email"])
    assert "You told us you signed" not in text_of(mail)
    assert sql(app, "SELECT signed_version, current_version FROM dpa_requests") == [
        (None, CURRENT_DPA)
    ]


def test_repeats_within_a_day_are_merged_and_mailed_once(app, client, smtp_server, send_all):
    assert client.post("/api/dpa-requests", data=FORM).status_code == 303
    again = {**FORM, "company": "  client shop  GMBH ", "signed_version": ""}
    assert client.post("/api/dpa-requests", data=again).status_code == 303
    send_all(app)
    assert len(smtp_server.messages) == 2  # one to the requester, one to the team
    rows = sql(app, "SELECT times_requested, signed_version FROM dpa_requests")
    assert rows == [(2, "1.0")]

    # Another company is another request.
    other = {**FORM, "company": "Second Client Ltd"}
    assert client.post("/api/dpa-requests", data=other).status_code == 303
    # So is the same one a day later.
    sql(app, "UPDATE dpa_requests SET created_at = '2020-01-01 00:00:00'")
    assert client.post("/api/dpa-requests", data=FORM).status_code == 303
    send_all(app)
    assert len(smtp_server.messages) == 6
    assert sql(app, "SELECT count(*) FROM dpa_requests") == [(3,)]


def test_without_a_pdf_in_the_site_the_mail_says_so_and_links_the_page(
    app, client, smtp_server, send_all, site_dir
):
    (site_dir / "dpa" / CURRENT_DPA / PDF_NAME).unlink()
    client.post("/api/dpa-requests", data=FORM)
    send_all(app)
    mail = _only(smtp_server.messages, FORM["email"])
    assert not list(mail.iter_attachments())
    body = text_of(mail)
    assert "We could not attach a PDF" in body
    assert f"{SITE_URL}dpa/{CURRENT_DPA}/" in body
    assert "link only: the built site has no PDF" in text_of(_only(smtp_server.messages, PRIVACY))


def test_with_no_current_version_the_team_is_asked_to_answer(
    make_app, tmp_path, smtp_server, send_all
):
    data = write_data(tmp_path / "drafts-only")
    for version in ("1.0", "2.0"):
        (data / "dpa" / f"{version}.yaml").unlink()  # only the 2099 draft is left
    site = tmp_path / "site-without-pdfs"
    write_service_json(site, data)
    app = make_app(SITE_DIR=str(site), SITE_URL=SITE_URL)
    assert app.test_client().post("/api/dpa-requests", data=FORM).status_code == 303
    send_all(app)
    mail = _only(smtp_server.messages, FORM["email"])
    assert mail["Subject"] == "Your request for the Larkspur Relay DPA"
    assert "We could not look up the current version" in text_of(mail)
    assert f"{SITE_URL}dpa/" in text_of(mail)
    assert "please answer by hand" in text_of(_only(smtp_server.messages, PRIVACY))


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"name": ""}, "name", 422),
        ({"email": "not-an-address"}, "email", 422),
        ({"company": "Evil\r\nBcc: victim@example.com"}, "company", 422),
        ({"name": "Ada\nBrandt"}, "name", 422),
        ({"company": "x" * 201}, "company", 422),
        ({"signed_version": "the old one"}, "signed_version", 422),
        ({"colour": "blue"}, "body", 422),
        ({"company": "x" * 9000}, "company", 422),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(app, client, smtp_server, change, field, status):
    response = client.post("/api/dpa-requests", json={**FORM, **change})
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == status
    if status == 422:
        assert response.json["invalid_params"][0]["name"] == field
    assert sql(app, "SELECT count(*) FROM dpa_requests") == [(0,)]
    assert sql(app, "SELECT count(*) FROM outbox") == [(0,)]


def test_wrong_body_types(client):
    assert (
        client.post("/api/dpa-requests", data="name=x", content_type="text/plain").status_code
        == 415
    )
    response = client.post("/api/dpa-requests", json=["not", "an", "object"])
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_honeypot_looks_accepted_and_does_nothing(app, client, smtp_server, send_all):
    response = client.post("/api/dpa-requests", data={**FORM, "website": "http://spam.example"})
    assert response.status_code == 303
    send_all(app)
    assert smtp_server.messages == []
    assert sql(app, "SELECT count(*) FROM dpa_requests") == [(0,)]


def test_posts_from_another_site_are_refused(app, client):
    response = client.post(
        "/api/dpa-requests", data=FORM, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert sql(app, "SELECT count(*) FROM dpa_requests") == [(0,)]
    allowed = client.post("/api/dpa-requests", data=FORM, headers={"Origin": SITE_URL[:-1]})
    assert allowed.status_code == 303


def test_rate_limited_per_address(make_app, app_config):
    client = make_app(**app_config, LIMIT_PER_ADDRESS="2 per hour").test_client()
    for company in ("A", "B"):
        assert (
            client.post("/api/dpa-requests", json={**FORM, "company": company}).status_code == 202
        )
    response = client.post("/api/dpa-requests", json={**FORM, "company": "C"})
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    other = client.post("/api/dpa-requests", json={**FORM, "email": "bob@client.example"})
    assert other.status_code == 202


def test_rate_limited_per_ip(make_app, app_config):
    client = make_app(**app_config, LIMIT_PER_IP="3 per minute").test_client()
    for n in range(3):
        body = {**FORM, "email": f"person{n}@client.example"}
        assert client.post("/api/dpa-requests", json=body).status_code == 202
    response = client.post("/api/dpa-requests", json={**FORM, "email": "late@client.example"})
    assert response.status_code == 429


def test_requests_are_not_readable_over_http(app, client):
    # The request must be stored for its absence from the answers below to mean anything.
    assert client.post("/api/dpa-requests", data=FORM).status_code == 303
    for path in ("/api/dpa-requests", "/api/dpa-requests/1", "/api/subject-requests"):
        response = client.get(path)
        assert response.status_code in (404, 405)
        assert FORM["email"] not in response.get_data(as_text=True)


def test_described_in_openapi(client):
    paths = client.get("/api/openapi.json").json["paths"]
    dpa = paths["/api/dpa-requests"]["post"]
    schema = dpa["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["name", "email", "company"]
    assert {"202", "303", "422", "429"} <= set(dpa["responses"])
    subject = paths["/api/subject-requests"]["post"]
    schema = subject["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert schema["properties"]["details"]["maxLength"] == 4000


def test_a_form_posted_by_a_script_asking_for_json_gets_202(client):
    response = client.post("/api/dpa-requests", data=FORM, headers={"Accept": "application/json"})
    assert response.status_code == 202
    assert response.json["status"] == "accepted"
