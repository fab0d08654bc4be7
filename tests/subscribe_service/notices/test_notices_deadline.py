"""The objection deadline: the whole last day in the company's time zone (site.yaml
`timezone`, carried by changes.json), stated one way and enforced at its edges."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
from changes_data import NEW_SUBPROCESSOR, changes_doc
from notices_helpers import add_subscriber_to, invoke
from service_mail import html_of, link, path_of, text_of

from subscribe_service.notices import objections as objections_module

SITE = "http://127.0.0.1:8000"
ZONE = "Pacific/Auckland"  # UTC+13 in February: its days end eleven hours before UTC's
RECORD = copy.deepcopy(NEW_SUBPROCESSOR)
RECORD.update(effective="2099-03-01", objection_deadline="2099-02-28")
AUCKLAND = dt.timezone(dt.timedelta(hours=13))
SENTENCE = "Objections are accepted until the end of 28 February 2099 (Pacific/Auckland time)."


def _changes(tmp_path: Path) -> Path:
    doc = changes_doc(RECORD)
    doc["site"]["timezone"] = ZONE
    path = tmp_path / "changes.json"
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", "utf-8")
    return path


@pytest.fixture
def notice_mail(app, tmp_path, smtp_server, send_all):
    add_subscriber_to(app, "ann@client.example", topics=["subprocessors"])
    assert invoke(app, "notify", "--all", str(_changes(tmp_path))).exit_code == 0
    send_all(app)
    [mail] = smtp_server.messages_to("ann@client.example")
    smtp_server.clear()
    return mail


def test_the_notice_states_the_deadline_once_with_its_zone(notice_mail) -> None:
    text = text_of(notice_mail).replace("\r\n", "\n")
    assert "Object by:     the end of 28 February 2099 (Pacific/Auckland time)" in text
    assert SENTENCE in text and SENTENCE in html_of(notice_mail)
    assert "before 28 February" not in text  # never a second, exclusive deadline


@pytest.mark.parametrize(
    ("local", "on_time"),
    [
        (dt.datetime(2099, 2, 28, 23, 59, 59, tzinfo=AUCKLAND), True),
        # Midnight in Auckland: still 28 February in UTC, and too late all the same.
        (dt.datetime(2099, 3, 1, 0, 0, 0, tzinfo=AUCKLAND), False),
    ],
)
def test_objections_are_accepted_through_the_last_local_day_and_refused_after(
    app, notice_mail, send_all, smtp_server, monkeypatch, local: dt.datetime, on_time: bool
) -> None:
    instant = local.astimezone(dt.UTC)
    monkeypatch.setattr(objections_module, "utcnow", lambda: instant)
    page = app.test_client().post(
        path_of(link(notice_mail, "object")),
        data={"reason": "Not in our region."},
        headers={"Origin": SITE},
    )
    assert page.status_code == 200
    answer = page.get_data(as_text=True)
    when = "before" if on_time else "after"
    assert (
        f"It arrived {when} the deadline, the end of 28 February 2099 (Pacific/Auckland time)."
    ) in answer
    send_all(app)
    [receipt] = smtp_server.messages_to("ann@client.example")
    receipt_text = text_of(receipt).replace("\r\n", "\n")
    assert "Objection deadline: the end of 28 February 2099 (Pacific/Auckland time)" in receipt_text
    listing = invoke(app, "objections").output
    assert ("LATE (after the deadline)" in listing) is not on_time
