"""Semantic diffs: entries and fields of the sub-processor list, sections of a text."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.history.diff import (
    EntryChange,
    FieldChange,
    apply_list_diff,
    diff_lists,
    diff_texts,
)
from generator.load.fields import format_value
from generator.load.model import Subprocessor, TransferMechanism
from tests.support.factories import make_doc, make_entry, make_section

# --- strategies -----------------------------------------------------------------------------

_words = st.text(alphabet=string.ascii_letters + " ", min_size=1, max_size=12).map(
    lambda s: s.strip() or "x"
)
_countries = st.lists(st.sampled_from(["DE", "IE", "NL", "US", "GB"]), min_size=1, max_size=3)


@st.composite
def entries(draw: st.DrawFn, entry_id: str) -> Subprocessor:
    return make_entry(
        entry_id,
        entity=draw(_words),
        purpose=draw(_words),
        data_categories=draw(st.lists(_words, min_size=1, max_size=3)),
        processing_locations=draw(_countries),
        corporate_location=draw(st.sampled_from(["DE", "US"])),
        transfer_mechanism=draw(st.sampled_from(list(TransferMechanism))),
        relationship=draw(st.sampled_from(["third-party", "affiliate"])),
    )


@st.composite
def lists(draw: st.DrawFn) -> tuple[Subprocessor, ...]:
    ids = draw(st.sets(st.sampled_from([f"vendor-{i}" for i in range(8)]), max_size=8))
    return tuple(draw(entries(i)) for i in sorted(ids))


@st.composite
def docs(draw: st.DrawFn):
    ids = draw(st.lists(st.sampled_from(list("abcdefg")), min_size=1, max_size=5, unique=True))
    sections = tuple(make_section(i, draw(_words), title=draw(_words)) for i in ids)
    return make_doc("1.0", "2025-01-01", "2025-01-01", sections)


# --- properties -----------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(lists())
def test_a_list_against_itself_has_no_changes(old: tuple[Subprocessor, ...]) -> None:
    diff = diff_lists(old, old)
    assert (diff.added, diff.removed, diff.changed) == ((), (), ())
    assert not diff


@settings(max_examples=60, deadline=None)
@given(lists(), lists())
def test_applying_the_diff_gets_from_the_old_list_to_the_new(
    old: tuple[Subprocessor, ...], new: tuple[Subprocessor, ...]
) -> None:
    assert apply_list_diff(old, diff_lists(old, new)) == new


@settings(max_examples=60, deadline=None)
@given(docs())
def test_a_text_against_itself_has_no_section_changes(doc) -> None:
    assert diff_texts(doc, doc).sections == ()


@settings(max_examples=60, deadline=None)
@given(docs(), docs())
def test_every_section_of_either_version_is_accounted_for(old, new) -> None:
    changes = {c.id: c.change for c in diff_texts(old, new).sections}
    old_ids = {s.id for s in old.sections}
    new_ids = {s.id for s in new.sections}
    assert {i for i, c in changes.items() if c == "added"} == new_ids - old_ids
    assert {i for i, c in changes.items() if c == "removed"} == old_ids - new_ids
    for section_id in old_ids & new_ids:
        before = next(s for s in old.sections if s.id == section_id)
        after = next(s for s in new.sections if s.id == section_id)
        same = (before.title, before.body) == (after.title, after.body)
        assert (changes.get(section_id) == "changed") is not same


# --- examples -------------------------------------------------------------------------------


def test_list_diff_names_each_changed_field_with_old_and_new_values() -> None:
    old = (make_entry("cloudnine", processing_locations=["DE"]), make_entry("old-sms"))
    new = (
        make_entry("brightwave"),
        make_entry("cloudnine", processing_locations=["DE", "IE"], transfer_mechanism="SCCs"),
    )
    diff = diff_lists(old, new)

    assert [e.id for e in diff.added] == ["brightwave"]
    assert [e.id for e in diff.removed] == ["old-sms"]
    assert diff.changed == (
        EntryChange(
            "cloudnine",
            "Cloudnine B.V.",
            (
                FieldChange("processing_locations", ("DE",), ("DE", "IE")),
                FieldChange("transfer_mechanism", TransferMechanism.none, TransferMechanism.sccs),
            ),
        ),
    )


def test_text_diff_pairs_sections_by_id_and_keeps_reading_order() -> None:
    old = make_doc(
        "1.0",
        "2024-01-01",
        "2024-01-01",
        (
            make_section("intro", "Hello."),
            make_section("audits", "Once a year."),
            make_section("breach", "72 hours."),
        ),
    )
    new = make_doc(
        "2.0",
        "2024-06-01",
        "2024-07-01",
        (
            make_section("intro", "Hello."),
            make_section("breach", "48 hours.", title="Personal data breaches"),
            make_section("transfers", "SCCs."),
        ),
    )
    sections = diff_texts(old, new).sections

    assert [(s.id, s.title, s.change) for s in sections] == [
        ("audits", "Audits", "removed"),  # where it used to be: after the intro
        ("breach", "Personal data breaches", "changed"),
        ("transfers", "Transfers", "added"),
    ]


def test_a_first_version_adds_every_section() -> None:
    doc = make_doc(
        "1.0", "2024-01-01", "2024-01-01", (make_section("a", "x"), make_section("b", "y"))
    )
    assert [(s.id, s.change) for s in diff_texts(None, doc).sections] == [
        ("a", "added"),
        ("b", "added"),
    ]


def test_values_read_as_a_person_would_write_them() -> None:
    assert format_value(("DE", "IE")) == "DE, IE"
    assert format_value(TransferMechanism.sccs) == "SCCs"
    assert format_value(make_entry("x").website) == "https://x.example/"
