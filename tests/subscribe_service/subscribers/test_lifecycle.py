"""The subscription lifecycle through HTTP, with the mails read from a real SMTP server.

Runs on SQLite and on PostgreSQL (`backend_app`).
"""

from __future__ import annotations

import email.utils
import json
import statistics
import time

import pytest
from sqlalchemy import select

from subscribe_service.infra.db import session_scope
from subscribe_service.infra.models import OutboxMessage, Subscriber
from tests.support.service_mail import html_of, link, path_of, text_of, unsubscribe_header_url

SITE = "http://127.0.0.1:8000"


def subscriber(app, email: str) -> Subscriber | None:
    with app.app_context(), session_scope(app) as s:
        found = s.scalar(select(Subscriber).where(Subscriber.email == email))
        if found is not None:
            found.topic_names  # noqa: B018  (load the topics before the session closes)
        return found


def subscribe(client, email: str, topics: list[str] | None = None):
    body = {"email": email} | ({"topics": topics} if topics is not None else {})
    return client.post("/api/subscriptions", json=body)


@pytest.fixture
def app(backend_app):
    return backend_app


def confirm_through_mail(app, client, smtp_server, send_all, email: str, topics: list[str]):
    assert subscribe(client, email, topics).status_code == 202
    send_all(app)
    mail = smtp_server.messages_to(email)[-1]
    response = client.post(path_of(link(mail, "confirm")), headers={"Origin": SITE})
    assert response.status_code == 200, response.data
    return mail


def test_subscribe_confirm_manage_unsubscribe(app, smtp_server, send_all):
    client = app.test_client()
    response = subscribe(client, "Ann.Lee@Example.ORG", ["subprocessors", "dpa"])
    assert response.status_code == 202
    assert response.get_json()["status"] == "accepted"
    # The request only queues; the sender records the pending address and mails it.
    assert subscriber(app, "Ann.Lee@example.org") is None

    counts = send_all(app)
    assert counts.sent == 1
    assert subscriber(app, "Ann.Lee@example.org").status == "pending"
    [mail] = smtp_server.messages
    assert mail["To"] == "Ann.Lee@example.org"
    assert "Confirm" in mail["Subject"]
    # Every header the service promises, on the site's domain.
    assert mail["Message-ID"].endswith("@127.0.0.1>")
    assert email.utils.parsedate_to_datetime(mail["Date"]) is not None
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["List-Id"] == "Larkspur Relay subscriptions <subscriptions.127.0.0.1>"
    assert unsubscribe_header_url(mail).startswith(f"{SITE}/unsubscribe/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Sub-processors" in text_of(mail) and "Data Processing Addendum" in html_of(mail)
    with app.app_context(), session_scope(app) as s:
        row = s.scalar(select(OutboxMessage))
        assert row.status == "sent" and row.message_id == mail["Message-ID"]
        assert row.smtp_reply.startswith("250")

    confirm_path = path_of(link(mail, "confirm"))
    # GET (what a link scanner does) shows a button and changes nothing.
    page = client.get(confirm_path)
    assert page.status_code == 200 and b'<form method="post"' in page.data
    assert page.headers["Cache-Control"] == "no-store"
    assert subscriber(app, "Ann.Lee@example.org").status == "pending"

    assert client.post(confirm_path, headers={"Origin": SITE}).status_code == 200
    sub = subscriber(app, "Ann.Lee@example.org")
    assert sub.status == "confirmed" and sub.topic_names == ["subprocessors", "dpa"]
    assert sub.consent_at is not None and "Sub-processors" in sub.consent_text
    assert "confirmed through the emailed link" in sub.consent_source
    first_consent = sub.consent_at
    # Confirming twice is harmless.
    assert client.post(confirm_path, headers={"Origin": SITE}).status_code == 200
    assert subscriber(app, "Ann.Lee@example.org").consent_at == first_consent

    # The preferences page from the mail: drop one topic.
    manage_path = path_of(link(mail, "manage"))
    assert client.get(manage_path).status_code == 200
    saved = client.post(manage_path, data={"topics": ["dpa"]}, headers={"Origin": SITE})
    assert saved.status_code == 200
    assert subscriber(app, "Ann.Lee@example.org").topic_names == ["dpa"]

    # RFC 8058 one-click: GET changes nothing, POST with the standard body takes effect.
    unsubscribe_url = unsubscribe_header_url(mail)
    assert client.get(path_of(unsubscribe_url)).status_code == 200
    assert subscriber(app, "Ann.Lee@example.org").status == "confirmed"
    done = client.post(
        path_of(unsubscribe_url),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
        headers={"Origin": "https://mail.provider.example"},
    )
    assert done.status_code == 200 and "Location" not in done.headers
    sub = subscriber(app, "Ann.Lee@example.org")
    assert sub.status == "unsubscribed" and sub.unsubscribed_at is not None


@pytest.mark.parametrize(
    "body,content_type",
    [
        (b"", None),
        (b"List-Unsubscribe=One-Click", "application/x-www-form-urlencoded"),
        (
            b"--XX\r\nContent-Disposition: form-data; "
            b'name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--XX--\r\n',
            "multipart/form-data; boundary=XX",
        ),
        (b"\xff\xfe garbage", "multipart/form-data"),
    ],
)
def test_one_click_accepts_any_body(app, smtp_server, send_all, body, content_type):
    client = app.test_client()
    confirm_through_mail(app, client, smtp_server, send_all, "bo@example.com", ["faq"])
    mail = smtp_server.messages_to("bo@example.com")[0]
    response = client.post(
        path_of(unsubscribe_header_url(mail)), data=body, content_type=content_type
    )
    assert response.status_code == 200
    assert subscriber(app, "bo@example.com").status == "unsubscribed"


def test_form_post_redirects_to_check_email_page(app, send_all):
    response = app.test_client().post(
        "/api/subscriptions",
        data={"email": "cy@example.com", "topics": ["dpa", "faq"]},
        headers={"Origin": SITE},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"{SITE}/subscribe/check-email/"
    send_all(app)
    assert subscriber(app, "cy@example.com").topic_names == ["dpa", "faq"]


def test_the_sites_script_gets_json_for_the_same_form(app):
    response = app.test_client().post(
        "/api/subscriptions",
        data={"email": "js@example.com", "topics": ["dpa"]},
        headers={"Origin": SITE, "Accept": "application/json"},
    )
    assert response.status_code == 202
    assert response.get_json()["status"] == "accepted"


def test_answer_is_the_same_for_every_state(app, smtp_server, send_all):
    client = app.test_client()
    confirm_through_mail(app, client, smtp_server, send_all, "conf@example.com", ["dpa"])
    confirm_through_mail(app, client, smtp_server, send_all, "gone@example.com", ["dpa"])
    gone = smtp_server.messages_to("gone@example.com")[0]
    client.post(path_of(unsubscribe_header_url(gone)))
    subscribe(client, "pend@example.com", ["dpa"])
    send_all(app)
    smtp_server.clear()
    answers = {
        address: subscribe(client, address, ["dpa"])
        for address in (
            "new@example.com",
            "pend@example.com",
            "conf@example.com",
            "gone@example.com",
        )
    }
    bodies = {(r.status_code, r.data, r.headers["Content-Type"]) for r in answers.values()}
    assert len(bodies) == 1
    # Each known state still gets exactly one mail, so the inbox, not the API, tells.
    send_all(app)
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(answers)


def test_timing_is_similar_for_every_state(app, smtp_server, send_all):
    """Median answer times for new, pending, confirmed and unsubscribed addresses agree."""
    client = app.test_client()
    confirm_through_mail(app, client, smtp_server, send_all, "conf@example.com", ["dpa"])
    confirm_through_mail(app, client, smtp_server, send_all, "gone@example.com", ["dpa"])
    client.post(path_of(unsubscribe_header_url(smtp_server.messages_to("gone@example.com")[0])))
    subscribe(client, "pend@example.com", ["dpa"])
    timings: dict[str, list[float]] = {"new": [], "pending": [], "confirmed": [], "gone": []}
    for i in range(25):  # interleaved, so machine noise hits every state alike
        for state, address in (
            ("new", f"new{i}@example.com"),
            ("pending", "pend@example.com"),
            ("confirmed", "conf@example.com"),
            ("gone", "gone@example.com"),
        ):
            start = time.perf_counter()
            assert subscribe(client, address, ["dpa"]).status_code == 202
            timings[state].append(time.perf_counter() - start)
    medians = {state: statistics.median(values) for state, values in timings.items()}
    spread = max(medians.values()) - min(medians.values())
    assert spread < max(0.004, 0.5 * min(medians.values())), medians


def test_new_request_sends_a_fresh_link_and_confirm_adds_topics(app, smtp_server, send_all):
    client = app.test_client()
    confirm_through_mail(app, client, smtp_server, send_all, "di@example.com", ["dpa"])
    subscribe(client, "di@example.com", ["faq"])
    send_all(app)
    second = smtp_server.messages_to("di@example.com")[-1]
    assert "already subscribed" in text_of(second)
    # Until confirmed, the extra topic is not added (nobody else can add topics for you).
    assert subscriber(app, "di@example.com").topic_names == ["dpa"]
    client.post(path_of(link(second, "confirm")))
    sub = subscriber(app, "di@example.com")
    assert sub.topic_names == ["dpa", "faq"]
    # The consent on record covers everything now subscribed.
    assert "(Data Processing Addendum, GDPR and CCPA FAQ)" in sub.consent_text


def test_unsubscribed_address_can_subscribe_again(app, smtp_server, send_all):
    client = app.test_client()
    mail = confirm_through_mail(app, client, smtp_server, send_all, "ed@example.com", ["dpa"])
    client.post(path_of(unsubscribe_header_url(mail)))
    again = confirm_through_mail(app, client, smtp_server, send_all, "ed@example.com", ["privacy"])
    assert again is not mail
    sub = subscriber(app, "ed@example.com")
    assert sub.status == "confirmed" and sub.topic_names == ["privacy"]


def test_export_is_mailed_as_json_and_erase_removes_everything(app, smtp_server, send_all):
    client = app.test_client()
    mail = confirm_through_mail(app, client, smtp_server, send_all, "fay@example.com", ["dpa"])
    manage_path = path_of(link(mail, "manage"))
    assert client.post(manage_path + "/export").status_code == 202
    send_all(app)
    export_mail = smtp_server.messages_to("fay@example.com")[-1]
    [attachment] = list(export_mail.iter_attachments())
    assert attachment.get_content_type() == "application/json"
    data = json.loads(attachment.get_content())
    assert data["subscriber"]["email"] == "fay@example.com"
    assert data["subscriber"]["status"] == "confirmed"
    assert data["subscriber"]["consent_text"]
    assert [m["kind"] for m in data["mails"]][:1] == ["confirm"]
    download = client.get(path_of(link(export_mail, "export")))
    assert download.status_code == 200
    assert download.get_json()["subscriber"]["email"] == "fay@example.com"

    refused = client.post(manage_path + "/erase", data={})
    assert refused.status_code == 422 and subscriber(app, "fay@example.com") is not None
    erased = client.post(manage_path + "/erase", data={"confirm": "yes"})
    assert erased.status_code == 200
    assert subscriber(app, "fay@example.com") is None
    with app.app_context(), session_scope(app) as s:
        assert s.scalars(select(OutboxMessage)).all() == []
    # Every earlier link is dead.
    assert client.get(manage_path).status_code == 410
    assert client.post(path_of(unsubscribe_header_url(mail))).status_code == 410


def test_unconfirmed_addresses_are_forgotten(app, smtp_server, send_all):
    import datetime as dt

    from subscribe_service.infra.models import utcnow
    from subscribe_service.subscribers.retention import purge_stale

    client = app.test_client()
    subscribe(client, "never@example.com", ["dpa"])
    confirm_through_mail(app, client, smtp_server, send_all, "kept@example.com", ["dpa"])
    client.post("/api/manage-links", json={"email": "stranger@example.com"})
    send_all(app)
    assert purge_stale(app) == (0, 0)  # nothing is old yet
    old = utcnow() - dt.timedelta(days=31)
    with app.app_context(), session_scope(app) as s:
        for sub in s.scalars(select(Subscriber)):
            sub.created_at = old
        for mail in s.scalars(select(OutboxMessage)):
            mail.created_at = old
    assert purge_stale(app) == (1, 1)
    assert subscriber(app, "never@example.com") is None
    assert subscriber(app, "kept@example.com").status == "confirmed"
    with app.app_context(), session_scope(app) as s:
        recipients = {m.recipient for m in s.scalars(select(OutboxMessage))}
    assert recipients == {"kept@example.com"}


def test_lost_preferences_link_is_mailed_to_subscribers_only(app, smtp_server, send_all):
    client = app.test_client()
    confirm_through_mail(app, client, smtp_server, send_all, "gus@example.com", ["faq"])
    smtp_server.clear()
    known = client.post("/api/manage-links", json={"email": "gus@example.com"})
    unknown = client.post("/api/manage-links", json={"email": "nobody@example.com"})
    assert (known.status_code, known.data) == (unknown.status_code, unknown.data)
    assert known.status_code == 202
    send_all(app)
    [mail] = smtp_server.messages
    assert mail["To"] == "gus@example.com"
    assert client.get(path_of(link(mail, "manage"))).status_code == 200
