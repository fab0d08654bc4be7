"""The lines of what changed that Slack and Teams messages list: the site's words and
names, a text document's sections, at most MAX_LINES, and nothing a channel would read
as markup or a ping."""

from __future__ import annotations

import copy

from subscribe_service.webhooks import formats
from subscribe_service.webhooks.change_lines import MAX_LINES, change_lines
from tests.support.changes_data import DPA_21, NEW_SUBPROCESSOR
from tests.support.scoped_site import PRODUCTS, REGIONS, changed, entry, scoped_record

NAMES = {**PRODUCTS, **REGIONS}


def test_entries_read_as_on_the_site_with_the_sites_names():
    record = scoped_record(
        1,
        added=[entry("inkwell", ["inbox"], ["eu"]), entry("plain")],
        removed=[entry("gone", None, ["mars"])],  # an id the site no longer has
        changes=[
            changed(
                "ku",
                [
                    {"field": "products", "old": ["sms"], "new": None},
                    {"field": "corporate_location", "old": "GB", "new": "IE"},
                ],
            )
        ],
    )
    assert change_lines(record, NAMES) == [
        "Added: Inkwell Ltd (for Shared Inbox; in European Union)",
        "Added: Plain Ltd",
        "Removed: Gone Ltd (in mars)",
        "Changed: Ku Ltd: Products: SMS Messaging → every product; "
        "Corporate location: United Kingdom (GB) → Ireland (IE)",
    ]


def test_a_document_lists_its_sections_and_a_long_change_is_cut():
    assert change_lines(DPA_21, NAMES) == [
        "Changed: Personal data breaches",
        "Added: Audits",
    ]
    many = scoped_record(2, added=[entry(f"e{n}") for n in range(MAX_LINES + 10)])
    lines = change_lines(many, NAMES)
    assert len(lines) == MAX_LINES and lines[-1] == "and 11 more"


def test_slack_lines_cannot_ping_or_link_and_both_formats_stay_within_their_limits():
    record = copy.deepcopy(NEW_SUBPROCESSOR)
    record["diff"]["added"][0]["entity"] = "<!channel> <https://evil.example|here> & " + "x" * 5000
    message = formats.slack(record, "Larkspur Relay", NAMES)
    text = message["blocks"][2]["text"]["text"]
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text and "&amp; " in text
    assert len(text) <= formats.SLACK_SECTION_MAX
    card = formats.teams(record, "Larkspur Relay", NAMES)["attachments"][0]["content"]
    assert len(card["body"][4]["text"]) <= formats.CARD_TEXT_MAX


def test_a_change_without_entries_adds_no_block():
    empty = scoped_record(3)
    types = [b["type"] for b in formats.slack(empty, "Larkspur Relay")["blocks"]]
    assert types == ["header", "section", "context", "actions"]
    card = formats.teams(empty, "Larkspur Relay")["attachments"][0]["content"]
    assert len(card["body"]) == 4
