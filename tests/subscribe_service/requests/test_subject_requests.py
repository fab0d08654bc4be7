"""POST /api/subject-requests: acknowledged to the individual, referred via the privacy team."""

from __future__ import annotations

import pytest

from tests.support.requests_data import PRIVACY, SITE_URL, sql
from tests.support.service_mail import html_of, text_of

FORM = {
    "name": "Chris Okafor",
    "email": "chris@person.example",
    "request_type": "deletion",
    "controller": "Tulip & Thistle Florists",
    "details": "I ordered flowers in May.\nMy order number was 4471.",
    "website": "",
}


def _only(messages, recipient):
    found = [m for m in messages if m["To"] == recipient]
    assert len(found) == 1, [m["To"] for m in messages]
    return found[0]


def test_acknowledged_and_referred(app, client, smtp_server, send_all):
    response = client.post("/api/subject-requests", data=FORM)
    assert response.status_code == 303
    assert response.headers["Location"] == SITE_URL + "requests/received/"
    send_all(app)
    assert len(smtp_server.messages) == 2

    ack = _only(smtp_server.messages, FORM["email"])
    assert ack["Subject"] == "We are referring your request to Tulip & Thistle Florists"
    assert ack["Reply-To"] == PRIVACY
    body = " ".join(text_of(ack).split())
    assert "We received your request: deletion of personal data." in body
    assert "Tulip & Thistle Florists is the controller" in body
    assert "We are its processor" in body
    assert "act on that data only on its instructions" in body
    assert "We are referring your request to Tulip & Thistle Florists" in body
    assert "Your reference: subject-1" in body
    assert f"{SITE_URL}privacy/" in body
    assert "4471" not in body  # the details go to the team, not back out
    assert "Tulip &amp; Thistle Florists" in html_of(ack)  # escaped in HTML

    referral = _only(smtp_server.messages, PRIVACY)
    assert referral["Subject"] == (
        "Refer to Tulip & Thistle Florists: deletion request from Chris Okafor (subject-1)"
    )
    assert referral["Reply-To"] == FORM["email"]
    text = text_of(referral)
    for expected in (
        "Controller:   Tulip & Thistle Florists",
        "Request type: Deletion of personal data (deletion)",
        "Name:         Chris Okafor",
        "Email:        chris@person.example",
        "I ordered flowers in May.\r\nMy order number was 4471.",
        "Text to forward to Tulip & Thistle Florists",
        "requests update subject-1 --status referred",
        "deleted automatically on",
    ):
        assert expected in text


def test_json_and_every_request_type(app, client, smtp_server, send_all):
    for kind in ("access", "correction", "deletion", "portability", "opt-out-of-sale"):
        body = {**FORM, "request_type": kind, "email": f"{kind}@person.example"}
        response = client.post("/api/subject-requests", json=body)
        assert response.status_code == 202, response.json
    send_all(app)
    assert len(smtp_server.messages_to(PRIVACY)) == 5
    ack = _only(smtp_server.messages, "opt-out-of-sale@person.example")
    assert "opt-out of the sale or sharing of personal data" in text_of(ack)


def test_details_are_optional_and_may_be_4000_characters(app, client):
    no_details = {k: v for k, v in FORM.items() if k != "details"}
    assert client.post("/api/subject-requests", json=no_details).status_code == 202
    long = {**FORM, "details": "x" * 4000}
    assert client.post("/api/subject-requests", json=long).status_code == 202
    # A browser sends line breaks as CRLF; they count once, as the textarea counted them.
    lines = {**FORM, "details": "line\r\n" * 800}
    assert client.post("/api/subject-requests", data=lines).status_code == 303
    too_long = client.post("/api/subject-requests", json={**FORM, "details": "x" * 4001})
    assert too_long.status_code == 422
    assert too_long.json["invalid_params"][0]["name"] == "details"
    assert "4000" in too_long.json["detail"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"request_type": "everything"}, "request_type"),
        ({"request_type": ""}, "request_type"),
        ({"controller": ""}, "controller"),
        ({"controller": "Shop\r\nBcc: someone@example.com"}, "controller"),
        ({"email": "chris@"}, "email"),
        ({"details": "nul \x00 byte"}, "details"),
        ({"name": ["a", "list"]}, "name"),
    ],
)
def test_bad_input_is_refused_and_nothing_kept(app, client, change, field):
    response = client.post("/api/subject-requests", json={**FORM, **change})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.json["invalid_params"][0]["name"] == field
    assert sql(app, "SELECT count(*) FROM subject_requests") == [(0,)]
    assert sql(app, "SELECT count(*) FROM outbox") == [(0,)]


def test_honeypot(app, client, smtp_server, send_all):
    body = {**FORM, "website": "buy now"}
    assert client.post("/api/subject-requests", json=body).status_code == 202
    send_all(app)
    assert smtp_server.messages == []
    assert sql(app, "SELECT count(*) FROM subject_requests") == [(0,)]


def test_cross_site_post_refused(app, client):
    response = client.post(
        "/api/subject-requests", data=FORM, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert response.status_code == 403
    assert sql(app, "SELECT count(*) FROM subject_requests") == [(0,)]


def test_rate_limited_per_address(make_app, app_config):
    client = make_app(**app_config, LIMIT_PER_ADDRESS="1 per hour").test_client()
    assert client.post("/api/subject-requests", json=FORM).status_code == 202
    response = client.post("/api/subject-requests", json=FORM)
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"


def test_without_a_built_site_the_service_says_so(make_app, tmp_path, caplog):
    app = make_app(SITE_DIR=str(tmp_path / "not-built"), SITE_URL=SITE_URL)
    response = app.test_client().post("/api/subject-requests", json=FORM)
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert "privacy team by email" in response.json["detail"]
    assert response.headers["Retry-After"] == "3600"
    assert "not-built/service.json cannot be read" in caplog.text
    assert "build the site first" in caplog.text
    # The rest of the service is unaffected.
    assert app.test_client().get("/healthz").status_code == 200
