"""Objecting to a sub-processor change through the personal link in the notice."""

from __future__ import annotations

import copy

from sqlalchemy import select

from subscribe_service.identity import tokens
from subscribe_service.infra.db import session_scope
from subscribe_service.infra.models import Notice, Subscriber
from subscribe_service.notices.models import REASON_MAX, Objection
from subscribe_service.subscribers.privacy import erase, export_data
from tests.support.changes_data import DPA_21, NEW_SUBPROCESSOR
from tests.support.notices_helpers import add_subscriber_to, count_rows, invoke
from tests.support.service_mail import link, path_of, text_of

SITE = "http://127.0.0.1:8000"
PRIVACY = "privacy@larkspur.example"

# The same change, announced with a deadline that has not passed yet.
UPCOMING = copy.deepcopy(NEW_SUBPROCESSOR)
UPCOMING.update(effective="2099-03-01", objection_deadline="2099-02-28")


def object_path(app, changes_file, smtp_server, send_all, record) -> str:
    """Subscribe ann, notify `record`, send, and return the objection link of her notice."""
    add_subscriber_to(app, "ann@client.example", topics=["subprocessors", "dpa"])
    assert invoke(app, "notify", "--all", str(changes_file(record))).exit_code == 0
    send_all(app)
    [notice] = smtp_server.messages_to("ann@client.example")
    smtp_server.clear()
    return path_of(link(notice, "object"))


def post_reason(client, path: str, reason: str):
    return client.post(path, data={"reason": reason}, headers={"Origin": SITE})


def objections(app) -> list[Objection]:
    with app.app_context(), session_scope(app) as session:
        return list(session.scalars(select(Objection)))


def test_objection_is_recorded_and_both_sides_get_a_mail(app, changes_file, smtp_server, send_all):
    path = object_path(app, changes_file, smtp_server, send_all, UPCOMING)
    client = app.test_client()

    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Sub-processor list, effective 2025-03-01" in html
    assert "Brightwave Mail Inc." in html and '<del class="old">Germany (DE)</del>' in html
    assert '<textarea id="reason" name="reason"' in html
    assert page.headers["Cache-Control"] == "no-store"
    assert 'style="' not in html  # the page's CSP allows no inline style
    assert objections(app) == []  # a link scanner's GET records nothing

    answer = post_reason(client, path, "We cannot accept transfers to the US.\r\nCall us.")
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert "Objection received" in text
    assert "It arrived before the deadline, the end of 28 February 2099 (UTC)." in text
    [objection] = objections(app)
    assert objection.reason == "We cannot accept transfers to the US.\nCall us."

    assert send_all(app).sent == 2
    [receipt] = smtp_server.messages_to("ann@client.example")
    assert receipt["Subject"] == (
        'Your objection to "Sub-processor list, effective 2025-03-01" was received'
    )
    receipt_text = text_of(receipt).replace("\r\n", "\n")
    assert "Your objection arrived before the deadline." in receipt_text
    assert "We cannot accept transfers to the US.\nCall us." in receipt_text
    assert receipt["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [alert] = smtp_server.messages_to(PRIVACY)
    assert alert["Subject"] == ("Objection to subprocessors/2025-03-01 from ann@client.example")
    assert alert["Reply-To"] == "ann@client.example"
    alert_text = text_of(alert).replace("\r\n", "\n")
    assert "On time:  yes" in alert_text and "Call us." in alert_text


def test_objecting_twice_updates_and_keeps_the_first_arrival(
    app, changes_file, smtp_server, send_all
):
    path = object_path(app, changes_file, smtp_server, send_all, UPCOMING)
    client = app.test_client()
    post_reason(client, path, "First reason.")
    [first] = objections(app)

    page = client.get(path).get_data(as_text=True)
    assert "First reason.</textarea>" in page and "Update my objection" in page
    answer = post_reason(client, path, "Second, longer reason.")
    assert "Objection updated" in answer.get_data(as_text=True)

    [second] = objections(app)
    assert second.id == first.id and second.reason == "Second, longer reason."
    assert second.objected_at == first.objected_at and second.updated_at > first.updated_at
    send_all(app)
    subjects = sorted(m["Subject"] for m in smtp_server.messages_to("ann@client.example"))
    assert subjects[0].startswith("Updated: your objection") and subjects[1].startswith("Your")
    listing = invoke(app, "objections").output
    assert "subprocessors/2025-03-01  ann@client.example  on time, updated" in listing
    assert "    Second, longer reason." in listing and listing.endswith("1 objection\n")


def test_late_objection_is_recorded_and_marked_late(app, changes_file, smtp_server, send_all):
    path = object_path(app, changes_file, smtp_server, send_all, NEW_SUBPROCESSOR)
    answer = post_reason(app.test_client(), path, "")
    late = "It arrived after the deadline, the end of 28 February 2025 (UTC)."
    assert late in answer.get_data(as_text=True)
    send_all(app)
    [alert] = smtp_server.messages_to(PRIVACY)
    assert alert["Subject"].startswith("Objection (after the deadline) to subprocessors/")
    assert "(no reason given)" in text_of(alert)
    assert "LATE (after the deadline)" in invoke(app, "objections").output


def test_too_long_reason_is_refused_and_given_back(app, changes_file, smtp_server, send_all):
    path = object_path(app, changes_file, smtp_server, send_all, UPCOMING)
    reason = "x" * (REASON_MAX + 1)
    answer = post_reason(app.test_client(), path, reason)
    assert answer.status_code == 400
    text = answer.get_data(as_text=True)
    assert f"please keep it under {REASON_MAX}" in text and reason in text
    assert objections(app) == []


def test_bad_links_get_a_clear_page_not_an_error(app, changes_file, smtp_server, send_all):
    path = object_path(app, changes_file, smtp_server, send_all, UPCOMING)
    client = app.test_client()
    html = {"Accept": "text/html"}

    damaged = client.get(path[:-3], headers=html)
    assert damaged.status_code == 400 and "incomplete or damaged" in damaged.get_data(as_text=True)

    with app.app_context(), session_scope(app) as session:
        ann = session.scalar(select(Subscriber))
        dpa_token = tokens.make_token("object", ann.id, ann.token_version, n=999)
        confirm_token = tokens.make_token("confirm", ann.id, ann.token_version, n=1)
    assert client.get(f"/object/{dpa_token}", headers=html).status_code == 404
    assert client.get(f"/object/{confirm_token}", headers=html).status_code == 404

    with app.app_context(), session_scope(app) as session:
        session.scalar(select(Subscriber)).token_version += 1  # every old link withdrawn
    withdrawn = post_reason(client, path, "too late")
    assert withdrawn.status_code == 410
    assert objections(app) == []


def test_text_documents_take_no_objections(app, changes_file, smtp_server, send_all):
    add_subscriber_to(app, "ann@client.example", topics=["dpa"])
    invoke(app, "notify", "--all", str(changes_file(DPA_21)))
    with app.app_context(), session_scope(app) as session:
        ann = session.scalar(select(Subscriber))
        notice = session.scalar(select(Notice))
        token = tokens.make_token("object", ann.id, ann.token_version, n=notice.id)
    page = app.test_client().get(f"/object/{token}", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "privacy team" in page.get_data(as_text=True)


def test_objections_are_in_the_export_and_go_with_an_erase(
    app, changes_file, smtp_server, send_all
):
    path = object_path(app, changes_file, smtp_server, send_all, UPCOMING)
    post_reason(app.test_client(), path, "No US transfers.")
    with app.app_context(), session_scope(app) as session:
        ann = session.scalar(select(Subscriber))
        [exported] = export_data(session, ann)["objections"]
        assert exported["change_id"] == "subprocessors/2025-03-01"
        assert exported["reason"] == "No US transfers." and exported["on_time"] is True
        erase(session, ann)
    assert count_rows(app, Objection) == 0


def test_reason_is_shown_as_text_never_as_markup(app, changes_file, smtp_server, send_all):
    path = object_path(app, changes_file, smtp_server, send_all, UPCOMING)
    client = app.test_client()
    post_reason(client, path, "No <script>alert(1)</script> here")
    page = client.get(path).get_data(as_text=True)
    assert "<script>" not in page
    assert "No &lt;script&gt;alert(1)&lt;/script&gt; here</textarea>" in page
