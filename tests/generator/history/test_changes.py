"""changes.json: the contract the notification service reads (docs/changes-json.md)."""

from __future__ import annotations

import datetime as dt
import json

from generator.contract import Status, page_path
from generator.history.changes import build_changes, changes_json
from generator.history.urls import page_url, redline_url
from tests.support.factories import make_change, make_data, make_entry, make_site, sample_data

TODAY = dt.date(2025, 4, 15)
RECORD_KEYS = {
    "id",
    "content_hash",
    "corrections",
    "products",
    "regions",
    "topic",
    "topic_title",
    "version",
    "previous_version",
    "title",
    "summary",
    "announced",
    "effective",
    "objection_deadline",
    "objection_deadline_text",
    "in_force_before",
    "in_force_before_text",
    "editorial",
    "status",
    "url",
    "diff_url",
    "diff",
}


def _document(today: dt.date = TODAY) -> dict:
    data = sample_data()
    return json.loads(changes_json(data, build_changes(data, today), today))


def test_every_published_change_oldest_first_and_drafts_left_out() -> None:
    document = _document()
    assert [c["id"] for c in document["changes"]] == [
        "dpa/1.0",
        "privacy/1.0",
        "subprocessors/2024-09-01",
        "dpa/2.0",
        "subprocessors/2025-03-01",
        "subprocessors/2025-05-15",
    ]
    assert all(set(c) == RECORD_KEYS for c in document["changes"])
    assert document["format"] == "trustsite-changes/1"
    assert document["as_of"] == "2025-04-15"
    assert document["site"] == {
        "url": "https://trust.larkspur.example/",
        "company": "Larkspur Relay",
        "privacy_contact": "privacy@larkspur.example",
        "timezone": "UTC",
    }


def test_a_subprocessor_change_record_matches_the_documented_example() -> None:
    record = next(c for c in _document()["changes"] if c["id"] == "subprocessors/2025-03-01")
    assert len(record["content_hash"]) == 64 and record["corrections"] == []
    assert {
        k: v for k, v in record.items() if k not in ("diff", "content_hash", "corrections")
    } == {
        "id": "subprocessors/2025-03-01",
        "topic": "subprocessors",
        "topic_title": "Sub-processors",
        "version": "2025-03-01",
        "previous_version": "2024-09-01",
        "title": "Sub-processor list, effective 2025-03-01",
        "summary": "Adds Brightwave Mail for transactional email.",
        "announced": "2025-01-20",
        "effective": "2025-03-01",
        "objection_deadline": "2025-02-28",
        "objection_deadline_text": (
            "Objections are accepted until the end of 28 February 2025 (UTC)."
        ),
        "in_force_before": [],
        "in_force_before_text": None,
        "editorial": False,
        "status": "current",
        "url": "https://trust.larkspur.example/subprocessors/2025-03-01/",
        "diff_url": "https://trust.larkspur.example/subprocessors/2025-03-01/#what-changed",
        "products": None,
        "regions": None,
    }
    diff = record["diff"]
    assert diff["kind"] == "list"
    assert diff["added"] == [
        {
            "id": "brightwave-mail",
            "entity": "Brightwave Mail Inc.",
            "purpose": "Sends transactional email",
            "data_categories": ["Email address", "Name"],
            "processing_locations": ["US"],
            "corporate_location": "US",
            "transfer_mechanism": "SCCs",
            "website": "https://brightwave-mail.example/",
            "relationship": "third-party",
        }
    ]
    assert [e["id"] for e in diff["removed"]] == ["old-sms"]
    assert diff["removed"][0]["entity"] == "Old Sms B.V."  # the whole entry as it was
    assert diff["changed"] == [
        {
            "id": "cloudnine-hosting",
            "entity": "Cloudnine Hosting B.V.",
            "fields": [{"field": "processing_locations", "old": ["DE"], "new": ["DE", "IE"]}],
        }
    ]


def test_a_text_record_has_no_objection_deadline_and_links_its_redline() -> None:
    records = {c["id"]: c for c in _document(dt.date(2025, 5, 2))["changes"]}
    first, second, editorial = records["dpa/1.0"], records["dpa/2.0"], records["dpa/2.1"]

    assert first["previous_version"] is None
    assert first["diff_url"] == "https://trust.larkspur.example/dpa/1.0/"
    assert [s["change"] for s in first["diff"]["sections"]] == ["added"] * 3

    assert second["objection_deadline"] is None
    assert second["previous_version"] == "1.0"
    assert second["diff_url"] == "https://trust.larkspur.example/dpa/2.0/redline/"
    assert second["status"] == "past"
    assert second["diff"] == {
        "kind": "text",
        "sections": [
            {"id": "breach", "title": "Personal data breaches", "change": "changed"},
            {"id": "audits", "title": "Audits", "change": "removed"},
            {"id": "transfers", "title": "Transfers", "change": "added"},
        ],
    }
    assert editorial["editorial"] is True and editorial["status"] == "current"


def test_statuses_move_with_the_build_date() -> None:
    data = sample_data()
    statuses = {
        day: {r.id: r.status for r in build_changes(data, dt.date.fromisoformat(day))}
        for day in ("2025-05-14", "2025-05-15")
    }
    assert statuses["2025-05-14"]["subprocessors/2025-05-15"] is Status.upcoming
    assert statuses["2025-05-15"]["subprocessors/2025-05-15"] is Status.current
    assert statuses["2025-05-15"]["subprocessors/2025-03-01"] is Status.past


def test_the_file_is_byte_identical_sorted_indented_and_newline_terminated() -> None:
    data = sample_data()
    first = changes_json(data, build_changes(data, TODAY), TODAY)
    second = changes_json(sample_data(), build_changes(sample_data(), TODAY), TODAY)

    assert first == second
    assert first.endswith(b"}\n") and not first.endswith(b"\n\n")
    document = json.loads(first)
    assert first == (json.dumps(document, sort_keys=True, indent=2) + "\n").encode()


def test_non_ascii_is_written_as_utf8_not_escaped() -> None:
    entry = make_entry("zurich-mail", entity="Zürich Mail AG", corporate_location="CH")
    data = make_data(changes=(make_change("2025-01-01", "2025-01-01", add=(entry,)),))
    raw = changes_json(data, build_changes(data, TODAY), TODAY)
    assert "Zürich Mail AG".encode() in raw


def test_urls_from_a_site_url_without_trailing_slash() -> None:
    site = make_site(site_url="https://example.org/trust")
    assert page_url(site, "dpa", "2.1") == "https://example.org/trust/dpa/2.1/"
    assert redline_url(site, "dpa", "2.1") == "https://example.org/trust/dpa/2.1/redline/"
    assert page_url(site, "subprocessors") == "https://example.org/trust/subprocessors/"
    assert page_path("subprocessors", "2025-03-01") == "subprocessors/2025-03-01/"
