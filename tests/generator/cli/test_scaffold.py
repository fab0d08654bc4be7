"""`new_version`: the next file of a topic, which `check` refuses until it is edited."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from generator.cli.scaffold import new_version

if TYPE_CHECKING:
    from tests.support.datafiles import DataFiles

TODAY = dt.date(2025, 3, 1)
IN_TIME = dt.date(2025, 4, 15)  # more than the 30 days' notice after TODAY


def test_text_topic_copies_the_latest_version_to_the_next_minor(data_files: DataFiles) -> None:
    path = new_version(data_files.root, "dpa", effective=IN_TIME, today=TODAY)
    assert path == data_files.root / "dpa/2.1.yaml"
    old = (data_files.root / "dpa/2.0.yaml").read_text().splitlines()
    new = path.read_text().splitlines()
    assert new[:6] == [
        'version: "2.1"',
        "title: Data Processing Addendum",
        "announced: 2025-03-01",
        "effective: 2025-04-15",
        'summary: ""  # one sentence saying what changed; check refuses it empty',
        "editorial: false",
    ]
    assert new[6:] == old[6:]  # the sections, as they were, ready to edit


def test_unedited_scaffold_fails_check_on_its_summary(data_files: DataFiles) -> None:
    new_version(data_files.root, "dpa", effective=IN_TIME, today=TODAY)
    assert data_files.errors() == [
        "data/dpa/2.1.yaml:5:1: summary: write one sentence saying what changed"
    ]
    data_files.replace("dpa/2.1.yaml", 'summary: ""', "summary: Adds an audit window.")
    assert [v.version for v in data_files.load().texts["dpa"]] == ["1.0", "2.0", "2.1"]


def test_missing_editorial_line_is_added_after_the_summary(data_files: DataFiles) -> None:
    path = new_version(data_files.root, "privacy", effective=IN_TIME, today=TODAY)
    assert path.name == "1.1.yaml"
    lines = path.read_text().splitlines()
    assert lines[4:7] == [
        'summary: ""  # one sentence saying what changed; check refuses it empty',
        "editorial: false",
        "sections:",
    ]


def test_multi_line_summary_and_comments_are_handled(data_files: DataFiles) -> None:
    data_files.write(
        "faq/1.4.yaml",
        """\
        # The FAQ, kept short.
        version: "1.4"
        title: GDPR and CCPA FAQ
        announced: 2024-02-01
        effective: 2024-03-05
        summary: >
          A summary written
          over two lines.

        editorial: false
        sections:
          - id: what-is-gdpr
            title: What is the GDPR?
            body: |
              The EU's data protection law.

              It applies to us.
        """,
    )
    path = new_version(data_files.root, "faq", effective=IN_TIME, today=TODAY)
    assert path.name == "1.5.yaml"
    text = path.read_text()
    assert "over two lines" not in text
    assert text.startswith('# The FAQ, kept short.\nversion: "1.5"\n')
    assert "refuses it empty\n\neditorial: false\nsections:" in text
    assert text.endswith(
        "    body: |\n      The EU's data protection law.\n\n      It applies to us.\n"
    )


def test_subprocessor_change_file_with_commented_examples(data_files: DataFiles) -> None:
    path = new_version(data_files.root, "subprocessors", effective=IN_TIME, today=TODAY)
    assert path == data_files.root / "subprocessors/2025-04-15.yaml"
    text = path.read_text()
    assert text.startswith(
        'announced: 2025-03-01\neffective: 2025-04-15\nsummary: ""  # one sentence'
    )
    for example in ("# add:", "# remove: [old-vendor]", "# change:"):
        assert example in text
    assert data_files.errors() == [
        "data/subprocessors/2025-04-15.yaml:3:1: summary: write one sentence saying what changed",
    ]
    data_files.replace("subprocessors/2025-04-15.yaml", 'summary: ""', "summary: Nothing yet.")
    assert data_files.errors() == [
        "data/subprocessors/2025-04-15.yaml:1:1: this change adds, removes and changes "
        "nothing; list the sub-processors under add:, remove: or change:",
    ]


def test_uncommenting_the_example_gives_a_valid_change(data_files: DataFiles) -> None:
    path = new_version(data_files.root, "subprocessors", effective=IN_TIME, today=TODAY)
    text = path.read_text().replace('summary: ""', "summary: Moves hosting to Ireland.")
    text = text.replace("# change:", "change:").replace(
        "#   existing-vendor:", "  cloudnine-hosting:"
    )
    text = text.replace("#     processing_locations: [DE, IE]", "    processing_locations: [IE]")
    path.write_text(text)
    last = data_files.load().subprocessor_changes[-1]
    assert last.change["cloudnine-hosting"].processing_locations == ("IE",)


def test_refuses_an_existing_file(data_files: DataFiles) -> None:
    with pytest.raises(ValueError, match=r"data/subprocessors/2024-09-01.yaml already exists"):
        new_version(
            data_files.root,
            "subprocessors",
            effective=dt.date(2024, 9, 1),
            today=dt.date(2024, 7, 1),
        )


def test_refuses_a_date_inside_the_notice_period_and_names_the_earliest(
    data_files: DataFiles,
) -> None:
    with pytest.raises(ValueError) as caught:
        new_version(data_files.root, "dpa", effective=dt.date(2025, 3, 20), today=TODAY)
    assert str(caught.value) == (
        "effective date 2025-03-20 is inside the 30-day notice period; announced today "
        "(2025-03-01), the earliest allowed date is 2025-03-31 (use --editorial for a "
        "wording-only change)"
    )
    assert not (data_files.root / "dpa/2.1.yaml").exists()


def test_editorial_change_may_take_effect_today(data_files: DataFiles) -> None:
    path = new_version(data_files.root, "dpa", effective=TODAY, today=TODAY, editorial=True)
    assert "editorial: true\n" in path.read_text()


def test_refuses_a_date_before_today(data_files: DataFiles) -> None:
    with pytest.raises(ValueError, match="2025-02-28 is before today"):
        new_version(
            data_files.root, "dpa", effective=dt.date(2025, 2, 28), today=TODAY, editorial=True
        )


def test_refuses_a_date_not_after_the_latest_version(data_files: DataFiles) -> None:
    with pytest.raises(ValueError) as caught:
        new_version(
            data_files.root, "dpa", effective=dt.date(2024, 7, 15), today=dt.date(2024, 6, 1)
        )
    assert str(caught.value) == (
        "effective date 2024-07-15 is not after 2024-07-15, when data/dpa/2.0.yaml takes "
        "effect; versions take effect in order"
    )


def test_first_version_of_an_empty_topic(data_files: DataFiles) -> None:
    for path in (data_files.root / "faq").iterdir():
        path.unlink()
    path = new_version(data_files.root, "faq", effective=TODAY, today=TODAY)
    assert path.name == "1.0.yaml"
    errors = data_files.errors()
    assert errors == [
        "data/faq/1.0.yaml:5:1: summary: write one sentence saying what changed",
        "data/faq/1.0.yaml:9:5: sections[0].title: is empty; write a value",
        "data/faq/1.0.yaml:10:5: sections[0].body: is empty; write a value",
    ]


def test_unknown_topic(data_files: DataFiles) -> None:
    with pytest.raises(ValueError, match="unknown topic 'cookies'"):
        new_version(data_files.root, "cookies", effective=IN_TIME, today=TODAY)
