"""`trustsite diff` as a GitHub job summary renders it: the document's lists, bold terms and
tables stay Markdown, changes are <del>/<ins>, a range names every change, list fields say
what they add and remove.

The golden reports in `golden/diff/` are exact; after an intended change of the output,
regenerate and review the diff: `UPDATE_GOLDEN=1 pytest tests/generator/test_markdown_redline.py`
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import lxml.html
import pytest
from markdown_it import MarkdownIt

from generator.cli.diffcmd import versions_markdown
from generator.history.markdown_redline import redline_github
from generator.load.fields import describe_change
from generator.load.model import TrustData
from tests.support.factories import make_data, make_doc, make_section, sample_data

TODAY = dt.date(2025, 6, 1)
GOLDEN = Path(__file__).parents[1] / "golden" / "diff"

BREACH_1 = """The **controller** is told of a breach:

- without undue delay;
- by email.

| Notice | Hours |
|---|---|
| Breach | 72 |"""
BREACH_2 = """The **processor** tells the **controller** of a breach:

- within 48 hours;
- by email;
- with the facts known so far.

| Notice | Hours |
|---|---|
| Breach | 48 |"""
# 2.1 only moves a line break: an editorial fix.
BREACH_3 = BREACH_2.replace("tells the **controller** of", "tells the **controller**\nof")


def _range_data() -> TrustData:
    def version(label: str, announced: str, body: str, summary: str, editorial: bool = False):
        effective = announced if editorial or label == "1.0" else f"{announced[:5]}12-31"
        return make_doc(
            label,
            announced,
            effective,
            (make_section("breach", body, title="Personal data breaches"),),
            summary=summary,
            editorial=editorial,
        )

    dpa = (
        version("1.0", "2024-01-10", BREACH_1, "First version."),
        version("2.0", "2024-03-01", BREACH_2, "Breach notices within 48 hours, not 72."),
        version("2.1", "2025-01-05", BREACH_3, "Fixes a line break.", editorial=True),
    )
    return make_data(texts={"dpa": dpa})


def _rendered(markdown_text: str) -> lxml.html.HtmlElement:
    """The report as GitHub would show it: CommonMark with tables and inline HTML."""
    html = MarkdownIt("commonmark").enable("table").render(markdown_text)
    return lxml.html.fromstring(f"<main>{html}</main>")


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


def test_a_range_names_every_change_with_its_summary_and_dates() -> None:
    report = versions_markdown(_range_data(), "dpa", "1.0", "2.1", TODAY)
    _golden("dpa_1.0_to_2.1.md", report)
    assert (
        "- **2.0**: Breach notices within 48 hours, not 72. Announced 2024-03-01, "
        "takes effect 2024-12-31 (past)." in report
    )
    assert (
        "- **2.1**: Fixes a line break. Announced 2025-01-05, takes effect 2025-01-05 "
        "(current). Wording only (editorial): no notice." in report
    )


def test_the_redline_renders_lists_bold_and_tables_with_marked_changes() -> None:
    report = versions_markdown(_range_data(), "dpa", "1.0", "2.0", TODAY)
    _golden("dpa_1.0_to_2.0.md", report)
    root = _rendered(report)
    items = [" ".join(li.text_content().split()) for li in root.iter("li")]
    assert items == [
        "without undue delaywithin 48 hours;",
        "by email;",
        "with the facts known so far.",
    ]
    # The document's bold terms render bold, inside and outside the inserted words.
    assert [s.text_content() for s in root.iter("strong")][-2:] == ["processor", "controller"]
    assert [d.text_content() for d in root.iter("del")] == [
        "is told",
        "without undue delay",
        "72",
    ]
    assert [i.text_content() for i in root.iter("ins")] == [
        "processor tells the",
        "within 48 hours",
        ";",
        "with the facts known so far",
        "48",
    ]
    assert [td.text_content() for td in root.iter("td")] == ["Breach", "7248"]
    assert "\\*" not in report and "\\-" not in report  # nothing escaped into noise


def test_a_line_break_only_edit_is_stated_as_such() -> None:
    report = versions_markdown(_range_data(), "dpa", "2.0", "2.1", TODAY)
    assert "## Personal data breaches (line breaks only)\n\n" in report
    assert "_Line breaks only; the words are unchanged._" in report
    assert "<del>" not in report and "<ins>" not in report


def test_html_in_the_data_is_shown_as_characters_never_as_markup() -> None:
    result = redline_github("A plain line.", "A <script>alert(1)</script> & line.")
    assert result == "A <del>plain</del><ins>&lt;script>alert(1)&lt;/script> &amp;</ins> line."
    root = _rendered(result)
    assert not list(root.iter("script"))
    assert root.text_content() == "A plain<script>alert(1)</script> & line.\n"


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        (("DE",), ("DE", "IE"), "adds IE"),
        (("DE", "IE"), ("IE",), "removes DE"),
        (("DE",), ("IE", "FR"), "adds IE, FR; removes DE"),
        (("DE", "IE"), ("IE", "DE"), "reorders to IE, DE"),
        ("SCCs", "DPF", "SCCs → DPF"),
    ],
)
def test_a_list_field_says_what_it_adds_and_removes(old: object, new: object, said: str) -> None:
    assert describe_change(old, new) == said


def test_the_list_diff_says_adds_ie() -> None:
    report = versions_markdown(sample_data(), "subprocessors", None, "2025-03-01", TODAY)
    assert "  - processing locations: adds IE" in report
    assert "DE → DE, IE" not in report
