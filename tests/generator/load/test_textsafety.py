"""`trustsite check` refuses text that does not read as it is stored (generator.load.textsafety).

Every probe of tests/fixtures/hostile/text.json is written into the small data set and
must be refused for the reason it names, at the line of the text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from generator.load.textsafety import name_of, text_findings, word_script_problem

if TYPE_CHECKING:
    from tests.support.datafiles import DataFiles

CORPUS = json.loads(
    (Path(__file__).parents[2] / "fixtures/hostile/text.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("probe", CORPUS["probes"], ids=lambda p: p["tries"])
def test_check_refuses_each_hostile_text(data_files: DataFiles, probe: dict[str, str]) -> None:
    data_files.replace(probe["file"], probe["old"], probe["new"])
    errors = data_files.errors()
    assert any(probe["refused"] in e for e in errors), errors
    assert all(e.startswith(f"data/{probe['file']}:") for e in errors), errors


def test_the_message_names_the_character_and_points_at_it(data_files: DataFiles) -> None:
    data_files.replace("dpa/2.0.yaml", "We tell you about", "We do n\u043et tell you about")
    assert data_files.errors() == [
        "data/dpa/2.0.yaml:13:17: sections[1].body: U+043E CYRILLIC SMALL LETTER O in "
        "'n\u043et': a letter of another script inside a Latin word reads as a look-alike "
        "letter; retype the word"
    ]


def test_ordinary_typography_and_other_languages_pass(data_files: DataFiles) -> None:
    data_files.replace(
        "dpa/2.0.yaml",
        "We tell you about",
        "We tell you\u00a0\u2014 the \u201cClient\u201d \u2013 about the caf\u00e9\u2019s "
        "na\u00efve \u00abreport\u00bb \u00a7 4\u2026 in \u041c\u043e\u0441\u043a\u0432\u0430, "
        "\u0391\u03b8\u03ae\u03bd\u03b1 and \u6771\u4eac; see [the form](tel:+31201234567) about",
    )
    data_files.load()


def test_a_correction_may_span_lines_but_a_title_may_not() -> None:
    assert list(text_findings("first line\nsecond line", single_line=False)) == []
    assert [m for _, m in text_findings("Larkspur\nRelay", single_line=True)] == [
        "holds a line break or tab (U+000A LINE FEED); this field is one line (it is used "
        "in mail headers and titles), so write it on one line"
    ]


def test_scripts_that_share_words_with_latin_are_allowed() -> None:
    assert word_script_problem("\u6771\u4eac\u30bf\u30ef\u30fcTower") is None
    assert word_script_problem("na\u0131ve") is None  # dotless i is Latin
    assert "U+0440 CYRILLIC SMALL LETTER ER" in str(word_script_problem("p\u0440ocessor"))


def test_every_code_point_has_a_name_for_the_message() -> None:
    assert name_of("\U000e0001") == "U+E0001 LANGUAGE TAG"
    assert name_of("\ue000") == "U+E000 (an unnamed code point)"
