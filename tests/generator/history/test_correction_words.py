"""A correction as editors write it and as readers and reviewers read it: `old` copied
without the file's line breaks, the page's note and `trustsite diff` naming sections by
their title."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from generator.history.changes import build_changes
from generator.history.correction_words import correction_words, place_name
from generator.history.manifest import published
from generator.history.markdown_diff import meta_changes_markdown
from generator.site.pages import render_pages

if TYPE_CHECKING:
    from tests.support.datafiles import DataFiles

TODAY = dt.date(2025, 1, 15)
WRAPPED = """\
    body: |
      You may audit us once a year, at
      yuor own cost.
"""
CORRECTION = """\
corrections:
  - date: 2025-01-10
    by: Jane Doe, Legal
    why: A typo.
    place: audits
    old: at yuor own
    new: at your own
"""


def _wrapped(data_files: DataFiles) -> None:
    data_files.replace(
        "dpa/2.0.yaml",
        "    body: You may audit us once a year. We recieve auditors on site.\n",
        WRAPPED,
    )


def _hash(data_files: DataFiles) -> str:
    return next(p.content_hash for p in published(data_files.load(), TODAY) if p.id == "dpa/2.0")


def test_old_matches_across_the_files_line_break_and_keeps_it(data_files: DataFiles) -> None:
    _wrapped(data_files)
    as_published = _hash(data_files)
    path = data_files.root / "dpa/2.0.yaml"
    path.write_text(path.read_text() + CORRECTION)

    data = data_files.load()
    # The words are corrected; the file's line break stays where it was.
    assert data.texts["dpa"][1].sections[2].body == (
        "You may audit us once a year, at\nyour own cost.\n"
    )
    # The hash as published is recomputed exactly: the correction undoes word for word.
    assert _hash(data_files) == as_published


def test_across_a_line_break_a_correction_keeps_the_number_of_words(
    data_files: DataFiles,
) -> None:
    _wrapped(data_files)
    path = data_files.root / "dpa/2.0.yaml"
    more_words = CORRECTION.replace("new: at your own", "new: at your very own")
    path.write_text(path.read_text() + more_words)
    assert data_files.errors() == [
        "data/dpa/2.0.yaml:25:5: new: old is found across a line break in 'audits', so new "
        "must have as many words as old (a typo fix); to add or remove words, quote only "
        "words on one line of the file"
    ]
    path.write_text(path.read_text().replace("old: at yuor own", "old: at yuor very own"))
    assert data_files.errors() == [
        "data/dpa/2.0.yaml:24:5: old: this text does not occur in 'audits'; copy it exactly, "
        "with enough words around it to occur once"
    ]


def test_the_published_note_names_the_section_by_its_title(data_files: DataFiles) -> None:
    path = data_files.root / "dpa/2.0.yaml"
    path.write_text(
        path.read_text()
        + CORRECTION.replace("at yuor own", "We recieve auditors").replace(
            "at your own", "We receive auditors"
        )
    )
    data = data_files.load()
    page = render_pages(data, build_changes(data, TODAY), TODAY)["dpa/2.0/index.md"]
    note = "in section “Audits”, “We recieve auditors” was corrected to “We receive auditors”."
    assert note in page
    assert "in “audits”" not in page


def test_diff_shows_a_correction_in_words(data_files: DataFiles) -> None:
    before = data_files.load().texts["dpa"][1]
    path = data_files.root / "dpa/2.0.yaml"
    path.write_text(
        path.read_text()
        + CORRECTION.replace("at yuor own", "We recieve auditors").replace(
            "at your own", "We receive auditors"
        )
    )
    after = data_files.load().texts["dpa"][1]
    lines = meta_changes_markdown("dpa", before, after)
    assert (
        "- Correction: section “Audits”: 'We recieve auditors' → 'We receive auditors' "
        "(A typo, Jane Doe, Legal, 2025-01-10)"
    ) in lines
    assert not any("{" in line for line in lines)  # never a raw dict
    (correction,) = after.corrections
    assert correction_words(after, correction).startswith("section “Audits”: ")


def test_places_are_named_for_people(data_files: DataFiles) -> None:
    data = data_files.load()
    dpa = data.texts["dpa"][1]
    assert place_name(dpa, "summary") == "the summary"
    assert place_name(dpa, "breach") == "section “Personal data breaches”"
    assert place_name(dpa, "breach.title") == "section “Personal data breaches”, title"
    change = data.subprocessor_changes[1]
    assert place_name(change, "quillpost.purpose") == "Quillpost B.V., purpose"
    assert place_name(change, "nowhere") == "“nowhere”"
