"""A correction fixes a typo or a link (generator.load.spelling), checked as `check` runs it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from generator.load.spelling import (
    edit_distance,
    is_word,
    registrable_domain,
    typo_or_link_problem,
)

if TYPE_CHECKING:
    from tests.support.datafiles import DataFiles

CORRECTION = """\
corrections:
  - date: 2025-01-10
    by: Jane Doe, Legal
    why: A word was misspelt.
    place: {place}
    old: {old}
    new: {new}
"""
REFUSED = (
    "{path}: new: a correction may not change meaning, and this one {reason}; "
    "publish a new version instead (trustsite new-version)"
)


def _correct(data_files: DataFiles, name: str, place: str, old: str, new: str) -> None:
    path = data_files.root / name
    path.write_text(path.read_text() + CORRECTION.format(place=place, old=old, new=new))


@pytest.mark.parametrize(
    ("before", "old", "new", "reason"),
    [
        (
            "We keep encrypted backups",
            "encrypted backups",
            "unencrypted backups",
            "changes 'encrypted' to 'unencrypted', and 'encrypted' is an English word, "
            "not a misspelling (a correction fixes a typo or a link)",
        ),
        (
            "We never sell personal data",
            "never sell personal",
            "never rent personal",
            "changes 'sell' to 'rent', and 'sell' is an English word, not a misspelling "
            "(a correction fixes a typo or a link)",
        ),
        (
            "We tell you about a breach",
            "We tell you about a breach",
            "We tell you about a big breach",
            "adds 'big' (a correction fixes a typo or a link: it replaces a misspelt word by "
            "the word meant, it never adds or removes words)",
        ),
        (
            "We tell you about a breach",
            "tell you",
            "tell ye",
            "changes 'you' to 'ye', and 'you' is an English word, not a misspelling "
            "(a correction fixes a typo or a link)",
        ),
        (
            "We tell yuo about a breach",
            "tell yuo about",
            "tell everybody about",
            "changes 'yuo' to 'everybody', which is not a small fix of a misspelling "
            "(7 edits apart)",
        ),
    ],
)
def test_a_correction_that_swaps_words_is_refused(
    data_files: DataFiles, before: str, old: str, new: str, reason: str
) -> None:
    data_files.replace("dpa/2.0.yaml", "We tell you about a breach", before)
    _correct(data_files, "dpa/2.0.yaml", "breach", old, new)
    assert data_files.errors() == [REFUSED.format(path="data/dpa/2.0.yaml:23:5", reason=reason)]


@pytest.mark.parametrize(
    ("before", "old", "new"),
    [
        ("We recieve a breach report", "We recieve a", "We receive a"),
        ("the procesor tells you about a breach", "the procesor tells", "the processor tells"),
        ("We tell you about a data base breach", "a data base breach", "a database breach"),
        ("We tell you about a Breach", "about a Breach", "about a breach"),
    ],
)
def test_a_genuine_typo_fix_passes(data_files: DataFiles, before: str, old: str, new: str) -> None:
    data_files.replace("dpa/2.0.yaml", "We tell you about a breach", before)
    _correct(data_files, "dpa/2.0.yaml", "breach", old, new)
    data_files.load()


def test_a_website_may_move_within_its_domain_only(data_files: DataFiles) -> None:
    name = "subprocessors/2024-01-10.yaml"
    _correct(
        data_files,
        name,
        "brightwave-mail.website",
        "https://brightwave.example",
        "https://www.brightwave.example/about",
    )
    data_files.load()
    path = data_files.root / name
    path.write_text(
        path.read_text()
        + CORRECTION.format(
            place="cloudnine-hosting.website",
            old="https://cloudnine.example",
            new="https://cloudnine.attacker.example",
        ).replace("corrections:\n", "")
    )
    errors = data_files.errors()
    assert len(errors) == 1 and errors[0].startswith("data/subprocessors/2024-01-10.yaml:")
    assert (
        "points the link https://cloudnine.example to another site "
        "(https://cloudnine.attacker.example); a correction may move a link only within "
        "the same domain; publish a new version instead" in errors[0]
    )


def test_a_look_alike_or_invisible_letter_is_no_typo_fix(data_files: DataFiles) -> None:
    data_files.replace("dpa/2.0.yaml", "We tell you about a breach", "We do not tell a breach")
    _correct(data_files, "dpa/2.0.yaml", "breach", "do not tell", "do n\u043et tell")
    errors = data_files.errors()
    assert "adds or removes 'not'" in errors[0]
    assert any("U+043E CYRILLIC SMALL LETTER O in 'n\u043et'" in e for e in errors)
    data_files.write(
        "dpa/2.0.yaml",
        data_files.root.joinpath("dpa/2.0.yaml").read_text().split("corrections:")[0]
        + CORRECTION.format(place="breach", old="do not tell", new='"do n\\u200bot tell"'),
    )
    errors = data_files.errors()
    assert any("U+200B ZERO WIDTH SPACE in 'n\\u200bot'" in e for e in errors), errors


def test_links_are_compared_by_registrable_domain() -> None:
    assert registrable_domain("https://www.larkspur.co.uk/a") == "larkspur.co.uk"
    assert registrable_domain("https://larkspur.example/") == "larkspur.example"
    assert registrable_domain("https://[::1") is None
    assert (
        typo_or_link_problem("see https://a.larkspur.co.uk/x", "see https://larkspur.co.uk/y")
        is None
    )
    assert "another site" in str(typo_or_link_problem("https://x.co.uk/", "https://y.co.uk/"))
    assert "adds or removes a link" in str(typo_or_link_problem("see it", "see https://x.example/"))


def test_the_word_list_and_the_distance() -> None:
    assert is_word("processor") and is_word("client's") and is_word("sub-processor")
    assert not is_word("procesor") and not is_word("recieve")
    assert edit_distance("recieve", "receive") == 1
    assert edit_distance("procesor", "processor") == 1
    assert edit_distance("sell", "rent") == 3
