"""The canonical content hash, corrections and the hash chain of history.json."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from typing import TYPE_CHECKING

import pytest

from generator.cli.scaffold import new_version
from generator.history.changes import build_changes
from generator.history.manifest import chain, history_outputs, published
from generator.load.canonical import sha256_of
from generator.outputs.feeds import build_feeds
from generator.site.pages import render_pages

if TYPE_CHECKING:
    from tests.support.datafiles import DataFiles

TODAY = dt.date(2025, 1, 15)

DPA_2_0_REFORMATTED = """\
# The same DPA 2.0, written differently: comments, quoting, flow style, key order.
title: 'Data Processing Addendum'
version: '2.0'
effective: 2024-07-15
announced: 2024-06-01
summary: >-
  Shortens the breach notice
  to 48 hours.
sections: [
  {id: definitions, title: Definitions, body: "Words used here mean what the GDPR says they mean."},
  {title: Personal data breaches, id: breach, body: We tell you about a breach within 48 hours.},
  # audits
  {id: audits, title: Audits, body: "You may audit us once a year. We recieve auditors on site."},
]
"""

CORRECTION = """\
corrections:
  - date: 2025-01-10
    by: Jane Doe, Legal
    why: A word was misspelt.
    place: audits
    old: We recieve auditors
    new: We receive auditors
"""


def _hashes(data_files: DataFiles) -> dict[str, str]:
    return {p.id: p.content_hash for p in published(data_files.load(), TODAY)}


def test_reformatting_a_file_keeps_its_hash(data_files: DataFiles) -> None:
    before = _hashes(data_files)
    data_files.write("dpa/2.0.yaml", DPA_2_0_REFORMATTED)  # and `editorial: false` left out
    assert _hashes(data_files) == before


def test_unicode_normalisation_keeps_the_hash(data_files: DataFiles) -> None:
    data_files.replace("privacy/1.0.yaml", "in Amsterdam.", "in Amsterdam, caf\u00e9.")
    composed = _hashes(data_files)["privacy/1.0"]
    data_files.replace("privacy/1.0.yaml", "caf\u00e9", "cafe\u0301")
    assert _hashes(data_files)["privacy/1.0"] == composed


def test_any_change_of_content_changes_the_hash(data_files: DataFiles) -> None:
    before = _hashes(data_files)
    data_files.replace("dpa/2.0.yaml", "within 48 hours", "within 96 hours")
    after = _hashes(data_files)
    assert after["dpa/2.0"] != before["dpa/2.0"]
    assert {k: v for k, v in after.items() if k != "dpa/2.0"} == {
        k: v for k, v in before.items() if k != "dpa/2.0"
    }


def test_the_hash_is_sha256_of_the_documented_canonical_json(data_files: DataFiles) -> None:
    source = history_outputs(data_files.load(), TODAY)["privacy/1.0/source.json"]
    content = json.loads(source)["content"]
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert content == {
        "version": "1.0",
        "title": "Privacy statement",
        "announced": "2024-01-10",
        "effective": "2024-01-10",
        "summary": "First published version.",
        "sections": [
            {"id": "who-we-are", "title": "Who we are", "body": "Larkspur Relay B.V. in Amsterdam."}
        ],
    }
    expected = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert json.loads(source)["content_hash"] == expected == _hashes(data_files)["privacy/1.0"]


def test_the_chain_links_every_published_version_in_publication_order(
    data_files: DataFiles,
) -> None:
    links = chain(published(data_files.load(), TODAY))
    assert [link["id"] for link in links] == [
        "dpa/1.0",
        "faq/1.0",
        "privacy/1.0",
        "subprocessors/2024-01-10",
        "dpa/2.0",
        "subprocessors/2024-09-01",
    ]
    assert links[0]["previous"] is None
    for before, link in itertools.pairwise(links):
        assert link["previous"] == before["hash"]
    for link in links:
        assert link["hash"] == sha256_of({k: v for k, v in link.items() if k != "hash"})
    document = json.loads(history_outputs(data_files.load(), TODAY)["history.json"])
    assert document["head"] == links[-1]["hash"] and document["links"] == links
    # A draft is not published, so not chained.
    early = chain(published(data_files.load(), dt.date(2024, 6, 30)))
    assert [link["id"] for link in early][-1] == "dpa/2.0"


def test_a_correction_is_a_new_link_and_shows_on_the_page_and_in_the_feed(
    data_files: DataFiles,
) -> None:
    before = chain(published(data_files.load(), TODAY))
    path = data_files.root / "dpa/2.0.yaml"
    path.write_text(path.read_text() + CORRECTION)
    data = data_files.load()
    after = chain(published(data, TODAY))

    assert after[: len(before)] == before  # the old links are never rewritten
    link = after[-1]
    assert link["type"] == "correction" and link["id"] == "dpa/2.0" and link["correction"] == 1
    assert link["previous"] == before[-1]["hash"]
    assert (link["date"], link["by"], link["why"]) == (
        "2025-01-10",
        "Jane Doe, Legal",
        "A word was misspelt.",
    )
    assert data.texts["dpa"][1].sections[2].body == (
        "You may audit us once a year. We receive auditors on site."
    )

    records = build_changes(data, TODAY)
    page = render_pages(data, records, TODAY)["dpa/2.0/index.md"]
    assert "Corrected since publication" in page
    assert (
        "“We recieve auditors” was corrected to “We receive auditors”. A word was misspelt."
        in page
    )
    assert "We receive auditors on site." in page
    feed = build_feeds(data, records)["feeds/dpa.atom"].decode()
    assert "Corrected on 2025-01-10: A word was misspelt. (Jane Doe, Legal)" in feed
    assert link["content_hash"] in feed


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("within 48 hours", "within 96 hours", "changes a number"),
        ("We tell you", "We never tell you", "adds or removes 'never'"),
        ("48 hours", "48 days", "adds or removes 'days'"),
        (
            "We tell you about a breach",
            "We tell the Client about a breach",
            "rewrites 'you' as 'the Client' (a correction fixes a typo or a link)",
        ),
        # What editorial versions may not change, corrections may not either.
        (
            "We tell you",
            "We tell you twice",
            'changes a number, date, duration, percentage or amount ("you" became "you twice")',
        ),
        (
            "about a breach",
            "about a **Breach**",
            'changes a defined term (a bold term) ("a breach" became "a **Breach**")',
        ),
        (
            "We tell you about a breach",
            "We inform you, warn you of a data breach",
            "changes 7 words (a correction fixes a typo or a link)",
        ),
    ],
)
def test_a_correction_may_not_change_meaning(
    data_files: DataFiles, old: str, new: str, reason: str | None
) -> None:
    path = data_files.root / "dpa/2.0.yaml"
    correction = CORRECTION.replace("place: audits", "place: breach")
    correction = correction.replace("We recieve auditors", old).replace("We receive auditors", new)
    path.write_text(path.read_text() + correction)
    if reason is None:
        data_files.load()
        return
    assert data_files.errors() == [
        f"data/dpa/2.0.yaml:23:5: new: a correction may not change meaning, and this one "
        f"{reason}; publish a new version instead (trustsite new-version)"
    ]


def test_a_defined_term_or_a_code_cannot_be_corrected(data_files: DataFiles) -> None:
    data_files.replace(
        "dpa/1.0.yaml", "Words used here", 'The "Processor" is Larkspur Relay. Words used here'
    )
    path = data_files.root / "dpa/1.0.yaml"
    path.write_text(
        path.read_text()
        + CORRECTION.replace("place: audits", "place: definitions")
        .replace("We recieve auditors", 'The "Processor" is')
        .replace("We receive auditors", 'The "Supplier" is')
    )
    assert "changes the defined term 'Processor'" in data_files.errors()[0]
    path = data_files.root / "subprocessors/2024-01-10.yaml"
    data_files.write("dpa/1.0.yaml", path.parent.parent.joinpath("dpa/1.0.yaml").read_text())
    path.write_text(
        path.read_text()
        + CORRECTION.replace("place: audits", "place: brightwave-mail.corporate_location")
        .replace("We recieve auditors", "US")
        .replace("We receive auditors", "CA")
    )
    errors = data_files.errors()
    assert any(
        "changes a one-word value (a code, a date, a country or a name)" in e for e in errors
    )


def test_a_correction_names_where_and_what_exactly(data_files: DataFiles) -> None:
    path = data_files.root / "dpa/2.0.yaml"
    text = path.read_text()
    path.write_text(text + CORRECTION.replace("place: audits", "place: audit"))
    assert data_files.errors() == [
        "data/dpa/2.0.yaml:21:5: place: 'audit' names nothing in this version; name a section "
        "id, a field such as summary or title, or an entry id"
    ]
    path.write_text(text + CORRECTION.replace("We recieve auditors", "We recieve them"))
    assert data_files.errors() == [
        "data/dpa/2.0.yaml:22:5: old: this text does not occur in 'audits'; copy it exactly, "
        "with enough words around it to occur once"
    ]
    path.write_text(text + CORRECTION.replace("2025-01-10", "2024-05-01"))
    assert data_files.errors() == [
        "data/dpa/2.0.yaml:18:5: date: 2024-05-01 is before the version was announced "
        "(2024-06-01); write the day the correction is made"
    ]


def test_a_new_version_starts_from_the_corrected_text_without_the_corrections(
    data_files: DataFiles,
) -> None:
    path = data_files.root / "dpa/2.0.yaml"
    path.write_text(path.read_text() + CORRECTION)
    created = new_version(
        data_files.root, "dpa", effective=dt.date(2025, 3, 1), today=dt.date(2025, 1, 20)
    )
    text = created.read_text()
    assert "corrections" not in text
    assert "You may audit us once a year. We receive auditors on site." in text
