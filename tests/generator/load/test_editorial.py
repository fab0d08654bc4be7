"""`editorial: true` is verified: what an editorial change may not do, and the exact message
the check prints for each. Line numbers refer to conftest.py and to DPA_2_0 below."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from generator.cli.commands import main
from generator.history.changes import build_changes
from generator.load.editorial import DOCUMENT_SHARE, SECTION_FREE_WORDS, SECTION_SHARE

if TYPE_CHECKING:
    from tests.support.datafiles import DataFiles

SP2 = "subprocessors/2024-09-01.yaml"
DPA = "dpa/2.0.yaml"
HOW = (
    "to announce it, remove editorial: true and set effective at least 30 days after "
    "announced (2024-06-01): 2024-07-01 or later"
)
LIST_HOW = (
    "which clients must be told about and may object to, so it cannot be editorial; to "
    "announce it, remove editorial: true and set effective at least 30 days after announced "
    "(2024-07-20): 2024-08-19 or later"
)

# DPA 2.0 as an honest editorial version of 1.0 (conftest): one clause reworded.
DPA_2_0 = """\
version: "2.0"
title: Data Processing Addendum
announced: 2024-06-01
effective: 2024-06-01
summary: Rewords the breach clause.
editorial: true
sections:
  - id: definitions
    title: Definitions
    body: Words used here mean what the GDPR says they mean.
  - id: breach
    title: Personal data breaches
    body: We inform you of a breach within 72 hours.
"""


@pytest.fixture
def dpa(data_files: DataFiles) -> DataFiles:
    data_files.write(DPA, DPA_2_0)
    return data_files


# ---------------------------------------------------------------------------------------
# The sub-processor list


def test_an_editorial_change_of_the_list_may_reword_purpose_and_website(
    data_files: DataFiles,
) -> None:
    data_files.replace(SP2, "summary: Moves", "editorial: true\nsummary: Moves")
    data_files.replace(SP2, "add:\n", "")
    data_files.replace(SP2, "  - id: quillpost\n", "")
    for field in (
        "entity: Quillpost B.V.",
        "purpose: Sends transactional email",
        "data_categories: [Email address]",
        "processing_locations: [NL]",
        "corporate_location: NL",
        "transfer_mechanism: none",
        "website: https://quillpost.example",
        "relationship: third-party",
    ):
        data_files.replace(SP2, f"    {field}\n", "")
    data_files.replace(SP2, "remove: [brightwave-mail]\n", "")
    data_files.replace(
        SP2,
        "    processing_locations: [DE, IE]",
        "    purpose: Hosts the platform and its backups\n    website: https://cloudnine.example/en/",
    )
    data_files.replace(SP2, "announced: 2024-07-20", "announced: 2024-09-01")
    change = data_files.load().subprocessor_changes[1]
    assert change.editorial and change.change["cloudnine-hosting"].purpose
    assert change.objection_deadline is None  # nothing to object to


def test_an_editorial_change_may_not_add_remove_or_change_what_clients_object_to(
    data_files: DataFiles,
) -> None:
    data_files.replace(SP2, "summary: Moves", "editorial: true\nsummary: Moves")
    assert data_files.errors() == [
        f"data/{SP2}:6:5: add[0]: adds Quillpost B.V. ('quillpost') to the list, {LIST_HOW}",
        f"data/{SP2}:15:10: remove[0]: removes 'brightwave-mail' from the list, {LIST_HOW}",
        f"data/{SP2}:18:5: change.cloudnine-hosting.processing_locations: changes the "
        f"processing locations of 'cloudnine-hosting' to DE, IE, {LIST_HOW.split(';')[0]} "
        f"(only purpose and website may be reworded);{LIST_HOW.split(';')[1]}",
    ]


@pytest.mark.parametrize(
    ("line", "label", "shown"),
    [
        ("entity: CloudNine Cloud GmbH", "entity", "CloudNine Cloud GmbH"),
        ("corporate_location: IE", "corporate location", "IE"),
        ("transfer_mechanism: SCCs", "transfer mechanism", "SCCs"),
        ("data_categories: [Email address, Name, Phone number]", "data categories", None),
        ("relationship: affiliate", "relationship", "affiliate"),
    ],
)
def test_each_field_clients_object_to_is_refused(
    data_files: DataFiles, line: str, label: str, shown: str | None
) -> None:
    data_files.write(
        SP2,
        "announced: 2024-09-01\neffective: 2024-09-01\nsummary: Corrects an entry.\n"
        f"editorial: true\nchange:\n  cloudnine-hosting:\n    {line}\n",
    )
    how = LIST_HOW.replace("2024-07-20", "2024-09-01").replace("2024-08-19", "2024-10-01")
    value = shown or "Email address, Name, Phone number"
    assert data_files.errors() == [
        f"data/{SP2}:7:5: change.cloudnine-hosting.{line.split(':')[0]}: changes the {label} "
        f"of 'cloudnine-hosting' to {value}, {how.split(';')[0]} (only purpose and website "
        f"may be reworded);{how.split(';')[1]}"
    ]


def test_the_same_change_announced_with_notice_passes(data_files: DataFiles) -> None:
    # What the message asks for: no editorial claim, effective 30 days after announced.
    assert data_files.load().subprocessor_changes[1].editorial is False


def test_diff_never_offers_objections_before_the_announcement(data_files: DataFiles) -> None:
    # No notice period promised: a change may take effect the day it is announced. The
    # old rule (the day before effective) gave an objection deadline before the notice.
    data_files.replace("site.yaml", "notice_period_days: 30", "notice_period_days: 0")
    data_files.replace(SP2, "announced: 2024-07-20", "announced: 2024-09-01")
    data = data_files.load()
    result = CliRunner().invoke(
        main,
        [
            "diff",
            "subprocessors",
            "--from",
            "2024-01-10",
            "--to",
            "2024-09-01",
            "--today",
            "2024-10-01",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "**Announced** 2024-09-01 · **takes effect** 2024-09-01 · **status" in result.output
    assert "objections until" not in result.output
    records = {r.id: r for r in build_changes(data, dt.date(2024, 10, 1))}
    assert records["subprocessors/2024-09-01"].objection_deadline is None


def test_an_announced_change_keeps_its_objection_deadline(data_files: DataFiles) -> None:
    records = {r.id: r for r in build_changes(data_files.load(), dt.date(2024, 10, 1))}
    assert records["subprocessors/2024-09-01"].objection_deadline == dt.date(2024, 8, 31)


# ---------------------------------------------------------------------------------------
# Text versions


def test_an_honest_editorial_version_passes(dpa: DataFiles) -> None:
    assert dpa.load().texts["dpa"][1].editorial is True


def test_a_changed_duration_is_refused(dpa: DataFiles) -> None:
    # The case: the breach notice cut from 72 to 10 hours, labelled editorial.
    dpa.replace(DPA, "within 72 hours", "within 10 hours")
    assert dpa.errors() == [
        'data/dpa/2.0.yaml:13:5: sections[1].body: "72 hours" became "10 hours": an editorial '
        f"version may not change a number, date, duration, percentage or amount; {HOW}"
    ]


@pytest.mark.parametrize(
    ("old", "new", "quoted", "what"),
    [
        (
            "within 72 hours",
            "within 72 business days",
            '"72 hours" became "72 business days"',
            "a number, date, duration, percentage or amount",
        ),
        (
            "within 72 hours",
            "by 1 March 2025",
            '"breach within 72 hours." became "breach by 1 March 2025."',
            "a number, date, duration, percentage or amount",
        ),
        (
            "within 72 hours",
            "within seventy-two hours",
            '"72 hours" became "seventy-two hours"',
            "a number, date, duration, percentage or amount",
        ),
        (
            "a breach within",
            "a breach costing over 5% or €10,000 within",
            '"breach within" became "breach costing over 5% or €10,000 within"',
            "a number, date, duration, percentage or amount",
        ),
        (
            "We inform you",
            "We do not inform you",
            '"We tell you" became "We do not inform you"',
            "a negation (not, no, never, without ...)",
        ),
        (
            "We inform you",
            "We don't inform you",
            '"We tell you" became "We don\'t inform you"',
            "a negation (not, no, never, without ...)",
        ),
        (
            "We inform you of a breach",
            "We inform you of a breach without delay and",
            '"breach within" became "breach without delay and within"',
            "a negation (not, no, never, without ...)",
        ),
        (
            "We inform you",
            "We may inform you",
            '"We tell you" became "We may inform you"',
            "a word of modality (will, would, could, can, may, might, must, shall, should)",
        ),
        (
            "We inform you",
            "We will inform you",
            '"We tell you" became "We will inform you"',
            "a word of modality (will, would, could, can, may, might, must, shall, should)",
        ),
    ],
)
def test_protected_words_are_refused_with_the_change_quoted(
    dpa: DataFiles, old: str, new: str, quoted: str, what: str
) -> None:
    dpa.replace(DPA, old, new)
    # (The longer edits also reword too much of this tiny document: asserted elsewhere.)
    assert [e for e in dpa.errors() if "rewords" not in e and "reworded" not in e] == [
        f"data/dpa/2.0.yaml:13:5: sections[1].body: {quoted}: an editorial version may not "
        f"change {what}; {HOW}"
    ]


def test_will_notify_becoming_could_notify_is_not_editorial(data_files: DataFiles) -> None:
    """A promise turned into a possibility: "will" -> "could" changes what is owed."""
    data_files.replace("dpa/1.0.yaml", "We tell you about", "We will notify you of")
    data_files.write(
        DPA, DPA_2_0.replace("We inform you of a breach", "We could notify you of a breach")
    )
    assert [e for e in data_files.errors() if "reword" not in e] == [
        'data/dpa/2.0.yaml:13:5: sections[1].body: "We will notify" became "We could notify": an '
        "editorial version may not change a word of modality (will, would, could, can, may, "
        f"might, must, shall, should); {HOW}"
    ]


def test_a_defined_term_is_protected_wherever_it_is_used(dpa: DataFiles) -> None:
    dpa.replace("dpa/1.0.yaml", "within 72 hours.", "within 72 hours to the **Controller**.")
    dpa.replace(DPA, "within 72 hours.", "within 72 hours to the Customer.")
    assert dpa.errors() == [
        'data/dpa/2.0.yaml:13:5: sections[1].body: "the **Controller**." became "the Customer.": '
        "an "
        f"editorial version may not change a defined term (a bold term); {HOW}"
    ]


def test_a_new_defined_term_is_refused(dpa: DataFiles) -> None:
    dpa.replace(DPA, "what the GDPR says", "what **Applicable Law** says")
    assert dpa.errors() == [
        'data/dpa/2.0.yaml:10:5: sections[0].body: "what the GDPR says" became "what '
        '**Applicable Law** says": an editorial version may not change a defined term (a bold '
        f"term); {HOW}"
    ]


def test_a_changed_number_in_a_title_is_refused(dpa: DataFiles) -> None:
    dpa.replace("dpa/1.0.yaml", "title: Personal data breaches", "title: Breaches (72 hours)")
    dpa.replace(DPA, "title: Personal data breaches", "title: Breaches (48 hours)")
    assert dpa.errors() == [
        'data/dpa/2.0.yaml:12:5: sections[1].title: "72 hours" became "48 hours": an editorial '
        f"version may not change a number, date, duration, percentage or amount; {HOW}"
    ]


def test_an_added_section_is_refused(dpa: DataFiles) -> None:
    dpa.replace(
        DPA,
        "within 72 hours.\n",
        "within 72 hours.\n  - id: audits\n    title: Audits\n    body: You may audit us.\n",
    )
    assert dpa.errors() == [
        "data/dpa/2.0.yaml:14:5: sections[2].id: section 'audits' is not in version 1.0; an "
        f"editorial version may not add sections; {HOW}"
    ]


def test_a_removed_section_is_refused(dpa: DataFiles) -> None:
    dpa.replace(
        DPA,
        "  - id: definitions\n    title: Definitions\n"
        "    body: Words used here mean what the GDPR says they mean.\n",
        "",
    )
    assert dpa.errors() == [
        "data/dpa/2.0.yaml:6:1: editorial: section 'definitions' (Definitions) of version 1.0 "
        f"is removed; an editorial version may not remove sections; {HOW}"
    ]


def test_reordered_sections_are_refused(dpa: DataFiles) -> None:
    definitions = (
        "  - id: definitions\n    title: Definitions\n"
        "    body: Words used here mean what the GDPR says they mean.\n"
    )
    dpa.replace(DPA, definitions, "")
    dpa.replace(DPA, "within 72 hours.\n", "within 72 hours.\n" + definitions)
    assert dpa.errors() == [
        "data/dpa/2.0.yaml:8:5: sections[0].id: section 'breach' has moved (it was number 2 in "
        f"version 1.0, now 1); an editorial version may not reorder sections; {HOW}"
    ]


def test_the_thresholds_are_small() -> None:
    assert (SECTION_SHARE, SECTION_FREE_WORDS, DOCUMENT_SHARE) == (0.20, 5, 0.10)


def test_a_rewrite_beyond_the_thresholds_is_refused(dpa: DataFiles) -> None:
    dpa.replace(
        DPA,
        "mean what the GDPR says they mean.",
        "carry the meanings the regulation gives them in its article on definitions.",
    )
    assert dpa.errors() == [
        "data/dpa/2.0.yaml:6:1: editorial: the sections shared with version 1.0 are reworded "
        "by 14 of 28 words (50%); an editorial version may reword at most 10% of the "
        f"document; a larger rewrite is not editorial: {HOW}",
        "data/dpa/2.0.yaml:8:5: sections[0]: rewords 12 of 16 words (75%) of section "
        "'definitions'; an editorial version may reword at most 20% of a section (or 5 "
        f"words); a larger rewrite is not editorial: {HOW}",
    ]


def test_small_rewordings_in_a_long_section_pass(dpa: DataFiles) -> None:
    sentence = "We keep records of every breach and of what we did about it. "
    dpa.replace("dpa/1.0.yaml", "within 72 hours.", "within 72 hours. " + sentence * 10)
    # Six words of 130 (5%): more than the free five, less than a fifth of the section.
    changed = sentence.replace("keep records", "hold a record").replace("did", "have done")
    dpa.replace(DPA, "within 72 hours.", "within 72 hours. " + changed + sentence * 9)
    assert dpa.load().texts["dpa"][1].editorial is True


def test_a_version_that_is_not_editorial_may_change_anything(data_files: DataFiles) -> None:
    # conftest's DPA 2.0 adds a section and shortens the breach notice, with notice.
    assert data_files.load().texts["dpa"][1].sections[1].body.endswith("48 hours.")
