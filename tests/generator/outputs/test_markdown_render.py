"""Markdown from the YAML becomes HTML that can do no harm and reads as written."""

from __future__ import annotations

import lxml.html

from generator.outputs.markdown_render import escape_inline, render_markdown


def test_script_tag_is_shown_as_text_not_executed() -> None:
    html = render_markdown('Before <script>alert("x")</script> after')
    assert "<script" not in html
    assert lxml.html.fromstring(html).text_content() == 'Before <script>alert("x")</script> after'


def test_raw_html_block_is_escaped() -> None:
    html = render_markdown('<div onclick="steal()">\nhello\n</div>\n\n<img src=x onerror=alert(1)>')
    assert "<div" not in html and "<img" not in html
    assert "&lt;div onclick" in html


def test_markdown_formatting_lists_and_tables_still_work() -> None:
    html = render_markdown(
        "We **never** sell data.\n\n- one\n- two\n\n| Right | Days |\n|---|---|\n| Access | 30 |\n"
    )
    tree = lxml.html.fromstring(f"<div>{html}</div>")
    assert tree.xpath("//strong/text()") == ["never"]
    assert tree.xpath("//li/text()") == ["one", "two"]
    assert tree.xpath("//td/text()") == ["Access", "30"]


def test_links_keep_web_and_mail_schemes_only() -> None:
    html = render_markdown(
        "[site](https://x.example) [mail](mailto:privacy@larkspur.example) "
        "[bad](javascript:alert(1)) [worse](JaVaScRiPt:alert(1)) [data](data:text/html,hi) "
        "[here](#breach)"
    )
    hrefs = lxml.html.fromstring(f"<div>{html}</div>").xpath("//a/@href")
    assert hrefs == ["https://x.example", "mailto:privacy@larkspur.example", "#breach"]


def test_attribute_syntax_is_not_enabled() -> None:
    html = render_markdown("# Click me {onclick=alert(1)}\n\nText {: onclick=alert(2) }")
    tree = lxml.html.fromstring(f"<div>{html}</div>")
    assert tree.xpath("//@onclick") == []
    assert "{onclick=alert(1)}" in tree.text_content()  # shown as written


def test_headings_in_a_body_nest_under_the_section_heading() -> None:
    html = render_markdown("# Top\n\n## Next\n\n###### Deep")
    assert "<h3>Top</h3>" in html and "<h4>Next</h4>" in html and "<h6>Deep</h6>" in html


def test_escape_inline_shows_text_exactly_in_markdown() -> None:
    import markdown

    text = "A *b* <c> & [d](e) #1. _x_ | y"
    rendered = markdown.markdown(escape_inline(text), extensions=["tables"])
    assert lxml.html.fromstring(rendered).text_content() == text
