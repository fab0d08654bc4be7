"""The DPA request with a version announced but not yet in force: nobody can claim to have
signed it, the one in force today is sent, and the mail says when the pending one
replaces it (the contract's `in_force_between`, as on the site)."""

from __future__ import annotations

import datetime as dt

from generator.contract import long_date
from tests.support.published_data import write_service_json
from tests.support.requests_data import CURRENT_DPA, TEXT
from tests.support.service_mail import html_of, text_of

TODAY = dt.date.today()  # the service decides what is in force from the real date
PENDING_EFFECTIVE = TODAY + dt.timedelta(days=8)
FORM = {"name": "Ada Brandt", "email": "ada@client.example", "company": "Client Shop GmbH"}


def _announce_pending(site_dir, data_dir) -> None:
    (data_dir / "dpa" / "2.5.yaml").write_text(
        TEXT.format(
            version="2.5",
            title="Data Processing Addendum",
            announced=TODAY - dt.timedelta(days=30),
            effective=PENDING_EFFECTIVE,
        )
    )
    write_service_json(site_dir, data_dir)


def test_a_pending_version_cannot_be_the_one_signed(client, site_dir, data_dir) -> None:
    _announce_pending(site_dir, data_dir)
    response = client.post("/api/dpa-requests", json={**FORM, "signed_version": "2.5"})
    assert response.status_code == 422
    [invalid] = response.get_json()["invalid_params"]
    assert invalid["name"] == "signed_version"
    assert invalid["reason"].startswith(
        f"DPA version 2.5 takes effect on {long_date(PENDING_EFFECTIVE)}: nobody has signed it "
        "yet."
    )
    # The versions in force are accepted, and "I'm not sure" (nothing) too.
    for signed in ("1.0", CURRENT_DPA, ""):
        answer = client.post("/api/dpa-requests", json={**FORM, "signed_version": signed})
        assert answer.status_code == 202, answer.get_data(as_text=True)


def test_the_mail_sends_the_version_in_force_and_says_when_it_is_replaced(
    app, client, smtp_server, send_all, site_dir, data_dir
) -> None:
    _announce_pending(site_dir, data_dir)
    assert client.post("/api/dpa-requests", json=FORM).status_code == 202
    send_all(app)
    [mail] = [m for m in smtp_server.messages if m["To"] == FORM["email"]]
    assert mail["Subject"] == f"The current Larkspur Relay DPA (version {CURRENT_DPA})"
    text = text_of(mail).replace("\r\n", "\n")
    replaced = f"Version 2.5 replaces version {CURRENT_DPA} on {long_date(PENDING_EFFECTIVE)}."
    assert replaced in text and replaced in html_of(mail)
    assert "You told us you signed version 2.5" not in text


def test_without_a_pending_version_the_mail_says_nothing_of_one(
    app, client, smtp_server, send_all
) -> None:
    assert client.post("/api/dpa-requests", json=FORM).status_code == 202
    send_all(app)
    [mail] = [m for m in smtp_server.messages if m["To"] == FORM["email"]]
    assert "replaces version" not in text_of(mail)
