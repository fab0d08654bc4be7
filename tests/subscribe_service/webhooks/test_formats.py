"""The bodies per format, the signature against the standardwebhooks library, and the
retry schedule's numbers."""

from __future__ import annotations

import datetime as dt
import json
from itertools import pairwise

from standardwebhooks.webhooks import Webhook

from subscribe_service.webhooks import formats
from subscribe_service.webhooks.api import new_secret
from subscribe_service.webhooks.store import retry_offsets
from subscribe_service.webhooks.transport import signed_headers
from tests.support.changes_data import NEW_SUBPROCESSOR

MOMENT = dt.datetime(2025, 1, 15, 9, 30, 12, 345000, tzinfo=dt.UTC)


def test_the_standard_event_carries_the_record_unchanged():
    body = json.loads(formats.body("standard", NEW_SUBPROCESSOR, "Larkspur Relay", MOMENT))
    assert body == {
        "type": "change.announced",
        "timestamp": "2025-01-15T09:30:12Z",
        "data": NEW_SUBPROCESSOR,
    }


def test_slack_text_cannot_ping_or_link_and_is_cut_to_block_kit_limits():
    hostile = {
        **NEW_SUBPROCESSOR,
        "title": "T" * 400,
        "summary": "<!channel> see <https://evil.example|here> & more " + "x" * 4000,
    }
    message = formats.slack(hostile, "Larkspur Relay")
    header, section = message["blocks"][0], message["blocks"][1]
    assert len(header["text"]["text"]) <= 150
    text = section["text"]["text"]
    assert len(text) <= 3000
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text and "&amp; more" in text


def _written_out(iso: str) -> str:
    # An oracle of its own (not the contract's long_date): "2025-03-01" -> "1 March 2025".
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {day.strftime('%B')} {day.year}"


def test_teams_and_slack_state_the_dates_in_the_words_of_the_site_and_the_mails():
    record = {
        **NEW_SUBPROCESSOR,
        "objection_deadline_text": "Objections are accepted until the end of 28 February "
        "2025 (Europe/Amsterdam time).",
        "in_force_before_text": "Version 2024-06-01 until 28 February 2025.",
    }
    card = formats.teams(record, "Larkspur Relay")["attachments"][0]["content"]
    facts = {f["title"]: f["value"] for f in card["body"][3]["facts"]}
    assert facts == {
        "Announced": _written_out(record["announced"]),
        "Takes effect": _written_out(record["effective"]),
        "In force until then": record["in_force_before_text"],
        "Objections": record["objection_deadline_text"],
    }
    context = formats.slack(record, "Larkspur Relay")["blocks"][-2]["elements"][0]["text"]
    assert f"*Takes effect:* {_written_out(record['effective'])}" in context
    assert record["objection_deadline_text"] in context
    # No date is said a second way (ISO) beside the words (the title names the version).
    assert record["effective"] not in json.dumps(facts) + context


def test_our_signature_is_what_the_library_verifies_and_a_changed_byte_is_not():
    secret = new_secret()
    body = formats.body("standard", NEW_SUBPROCESSOR, "Larkspur Relay", MOMENT)
    headers = signed_headers(secret, "msg_1", body, dt.datetime.now(dt.UTC))
    assert Webhook(secret).verify(body.encode(), headers)["data"]["id"] == NEW_SUBPROCESSOR["id"]
    tampered = body.replace("2025", "2026", 1)
    try:
        Webhook(secret).verify(tampered.encode(), headers)
    except Exception as err:
        assert "signature" in str(err).lower()
    else:
        raise AssertionError("a changed body verified")


def test_the_default_schedule_doubles_from_a_minute_and_ends_after_three_days():
    offsets = retry_offsets(60.0, 3 * 86400.0)
    assert offsets[:4] == [60.0, 180.0, 420.0, 900.0]
    assert offsets[-1] == 3 * 86400.0
    gaps = [b - a for a, b in zip([0.0, *offsets], offsets, strict=False)]
    assert all(later >= earlier for earlier, later in pairwise(gaps[:-1]))  # the last is cut
    assert len(offsets) + 1 == 14  # attempts in all, the first one included
