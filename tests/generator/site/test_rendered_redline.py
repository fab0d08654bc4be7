"""Redlines rendered as the document reads: Markdown structure kept, <ins>/<del> inside."""

from __future__ import annotations

import time

import lxml.html

from generator.site.rendered_redline import rendered_redline_html, rendered_sections
from tests.support.factories import make_doc, make_section


def fragment(html: str) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(html, create_parent="div")


def test_a_list_stays_a_list_with_the_new_item_inserted() -> None:
    old = "We never:\n\n- sell or share it;\n- rent it.\n"
    new = "We never:\n\n- sell or share it;\n- lend it;\n- rent it.\n"
    root = fragment(rendered_redline_html(old, new))
    items = root.xpath("//ul/li")
    assert [li.text_content() for li in items] == ["sell or share it;", "lend it;", "rent it."]
    assert [ins.text for ins in items[1].iter("ins")] == ["lend it;"]
    assert not root.xpath("//del") and "- " not in root.text_content()


def test_emphasis_and_links_are_rendered_and_marked_inside() -> None:
    old = "The client is the **controller**. See [the FAQ](https://a.example/faq)."
    new = "The client is the **controller** under the GDPR. See [the FAQ](https://a.example/faq2)."
    root = fragment(rendered_redline_html(old, new))
    assert root.xpath("//strong")[0].text == "controller"
    assert "**" not in root.text_content()
    assert next(i.text_content() for i in root.iter("ins")) == " under the GDPR"
    # The address changed: the old link is deleted, the new one inserted.
    assert root.xpath("//a[@href='https://a.example/faq']//del")
    assert root.xpath("//a[@href='https://a.example/faq2']//ins")


def test_a_word_that_only_became_bold_shows_as_changed() -> None:
    root = fragment(rendered_redline_html("A controller here.", "A **controller** here."))
    assert root.xpath("//del")[0].text == "controller"
    assert root.xpath("//strong/ins")[0].text == "controller"


def test_headings_and_table_cells_keep_their_element() -> None:
    root = fragment(rendered_redline_html("## Audits\n\nText.", "## Audit reports\n\nText."))
    (heading,) = root.xpath("//h4")  # body headings nest under the section's h2
    assert heading.xpath("del")[0].text == "Audits"
    assert heading.xpath("ins")[0].text_content().strip() == "Audit reports"
    table_old = "| a | b |\n|---|---|\n| 1 | 2 |"
    table_new = "| a | b |\n|---|---|\n| 1 | 3 |"
    root = fragment(rendered_redline_html(table_old, table_new))
    (cell,) = root.xpath("//td[del]")
    assert (cell.xpath("del")[0].text, cell.xpath("ins")[0].text) == ("2", "3")


def test_raw_html_in_a_body_stays_text() -> None:
    html = rendered_redline_html(
        "Plain.", 'Plain. <script>alert("x")</script> <b onclick="x()">bold</b>'
    )
    root = fragment(html)
    assert not root.xpath("//script | //b | //*[@onclick]")
    assert '<script>alert("x")</script>' in root.text_content()


def test_rewrapping_a_paragraph_marks_nothing() -> None:
    html = rendered_redline_html(
        "We notify you\nwithin 48 hours.", "We notify you within\n48 hours."
    )
    assert "<ins>" not in html and "<del>" not in html


def test_a_change_of_markup_only_is_said_in_words() -> None:
    old = make_doc("1.0", "2024-01-01", "2024-01-01", (make_section("a", "Be *clear*."),))
    new = make_doc("2.0", "2024-02-01", "2024-03-01", (make_section("a", "Be _clear_."),))
    (section,) = rendered_sections(old, new)
    assert section.change == "changed"
    assert "Only the Markdown source of this section changed" in section.body_html


def test_a_long_rewrite_stays_fast() -> None:
    old = "\n\n".join(f"Clause {n}: the processor keeps records {n} times." for n in range(600))
    new = "\n\n".join(f"Clause {n}: the vendor keeps logs {n} times." for n in range(600))
    started = time.perf_counter()
    html = rendered_redline_html(old, new)
    assert time.perf_counter() - started < 5
    assert html.count("<p>") == 600
