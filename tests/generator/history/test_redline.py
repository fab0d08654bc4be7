"""Word-level redlines: what a client's lawyer reads to see exactly which words changed."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.history.redline import redline_html, redline_markdown, redline_sections
from tests.support.factories import make_doc, make_section


def _strip(html: str, tag_to_drop: str) -> str:
    """The text a version reads as: drop one side's marked words and every tag."""
    without = re.sub(rf"<{tag_to_drop}>.*?</{tag_to_drop}>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", "", without)


def test_one_changed_word_is_struck_and_inserted_alone() -> None:
    html = redline_html("We notify you within 72 hours.", "We notify you within 48 hours.")
    assert html == "<p>We notify you within <del>72</del><ins>48</ins> hours.</p>"


def test_punctuation_is_its_own_token() -> None:
    html = redline_html("Hello, world.", "Hello; world.")
    assert html == "<p>Hello<del>,</del><ins>;</ins> world.</p>"


def test_a_changed_phrase_is_one_deletion_and_one_insertion() -> None:
    html = redline_html("You may audit us once a year.", "You may audit us twice each year.")
    assert "<del>once a</del><ins>twice each</ins>" in html


def test_paragraphs_stay_paragraphs() -> None:
    old = "First paragraph.\n\nSecond paragraph."
    new = "First paragraph.\n\nSecond paragraph, amended.\n\nA third one."
    html = redline_html(old, new)
    assert html.split("\n") == [
        "<p>First paragraph.</p>",
        "<p>Second paragraph<ins>, amended</ins>.</p>",
        "<p><ins>A third one.</ins></p>",
    ]


def test_markup_in_a_body_is_shown_as_text_never_executed() -> None:
    html = redline_html("Plain.", 'Plain. <script>alert("x")</script> <b onclick=x>bold</b>')
    assert "<script" not in html and "<b " not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    markdown = redline_markdown("Plain.", "Plain. <script>alert(1)</script> **not bold**")
    assert "<script>" not in markdown
    assert r"\<script\>" in markdown and r"\*\*not bold\*\*" in markdown


def test_markdown_redline_strikes_and_bolds_with_spaces_outside_the_marks() -> None:
    markdown = redline_markdown("within 72 hours", "within 48 hours")
    assert markdown == "within ~~72~~ **48** hours"
    assert redline_markdown("a b", "a new b") == "a **new** b"


def test_markdown_redline_keeps_list_lines_apart_without_making_a_list() -> None:
    markdown = redline_markdown("- one\n- two", "- one\n- three")
    assert markdown == "\\- one\\\n\\- ~~two~~ **three**"


@settings(max_examples=80, deadline=None)
@given(
    st.text(alphabet="ab <&>.,\n", max_size=40),
    st.text(alphabet="ab <&>.,\n", max_size=40),
)
def test_either_version_can_be_read_back_from_the_redline(old: str, new: str) -> None:
    html = redline_html(old, new)
    unescape = {"&lt;": "<", "&gt;": ">", "&quot;": '"', "&#x27;": "'", "&amp;": "&"}

    def visible(text: str) -> str:
        for entity, char in unescape.items():
            text = text.replace(entity, char)
        # A paragraph break added or removed is shown as a break on both sides, so only
        # the characters between whitespace are compared.
        return "".join(text.split())

    assert visible(_strip(html, "ins")) == visible(old)
    assert visible(_strip(html, "del")) == visible(new)


def test_sections_are_paired_by_id_with_added_and_removed_shown_whole() -> None:
    old = make_doc(
        "1.0",
        "2024-01-01",
        "2024-01-01",
        (
            make_section("intro", "Hello."),
            make_section("audits", "Once a year."),
            make_section("breach", "Within 72 hours.", title="Breach notice"),
        ),
    )
    new = make_doc(
        "2.0",
        "2024-06-01",
        "2024-07-01",
        (
            make_section("intro", "Hello."),
            make_section("breach", "Within 48 hours.", title="Personal data breaches"),
            make_section("transfers", "We use SCCs."),
        ),
    )
    result = redline_sections(old, new)

    assert [(s.id, s.change) for s in result] == [
        ("intro", "same"),
        ("audits", "removed"),
        ("breach", "changed"),
        ("transfers", "added"),
    ]
    intro, audits, breach, transfers = result
    assert intro.body_html == "<p>Hello.</p>" and intro.title_html == "Intro"
    assert audits.body_html == "<p><del>Once a year.</del></p>"
    assert audits.title_html == "<del>Audits</del>"
    assert breach.title_html == "<del>Breach notice</del><ins>Personal data breaches</ins>"
    assert breach.body_html == "<p>Within <del>72</del><ins>48</ins> hours.</p>"
    assert transfers.body_html == "<p><ins>We use SCCs.</ins></p>"


def test_a_term_replaced_throughout_a_long_body_stays_word_level() -> None:
    # 400 sentences: too many tokens to match word by word in one go, so sentences are
    # paired; every replaced word must still be marked on its own.
    old = " ".join(f"Clause {i}: the processor shall act." for i in range(400))
    html = redline_html(old, old.replace("processor", "vendor"))
    assert html.count("<del>processor</del><ins>vendor</ins>") == 400
    assert "<del>Clause" not in html


def test_wrapped_prose_flows_and_list_items_keep_their_lines() -> None:
    old = "We keep data\nfor 90 days.\n\n- one\n- two"
    new = "We keep data\nfor 60 days.\n\n- one\n- three"
    assert redline_html(old, new).split("\n") == [
        "<p>We keep data",  # a soft wrap in the YAML: no forced break
        "for <del>90</del><ins>60</ins> days.</p>",
        "<p>- one<br>",
        "- <del>two</del><ins>three</ins></p>",
    ]
    assert redline_markdown(old, new) == (
        "We keep data\nfor ~~90~~ **60** days.\n\n\\- one\\\n\\- ~~two~~ **three**"
    )
