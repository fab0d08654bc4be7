"""An editorial version never hides the change in substance before it.

The sample data's DPA 2.0 (announced 2025-01-10) sets a 48-hour breach notice; 2.1
(2025-05-01) is an editorial typo fix. The DPA page, the 2.1 page and the 2.1 feed entry
must lead with 2.0's summary and link to 2.0's redline; a line-break-only edit says so.
"""

from __future__ import annotations

import datetime as dt
import posixpath

import feedparser
import lxml.html
import markdown

from generator.history.changes import build_changes
from generator.load.model import TrustData
from generator.outputs.feeds import build_feeds
from generator.site.pages import render_pages
from tests.support.factories import make_change, make_doc, make_section, sample_data

TODAY = dt.date(2025, 6, 1)


def page_text(page: str) -> tuple[str, lxml.html.HtmlElement]:
    _, _front, body = page.split("---\n", 2)
    html = markdown.markdown(body, extensions=["attr_list", "admonition", "tables", "toc"])
    root = lxml.html.fromstring(f"<main>{html}</main>")
    return " ".join(root.text_content().split()), root


def render(data: TrustData) -> dict[str, str]:
    return render_pages(data, build_changes(data, TODAY), TODAY)


def test_the_dpa_page_leads_with_the_substantive_change_not_the_typo_fix() -> None:
    for path in ("dpa/index.md", "dpa/2.1/index.md"):
        text, root = page_text(render(sample_data())[path])
        box = root.find_class("ts-box")[0]
        assert root.find_class("ts-summary")[0].text_content() == (
            "Adds the 2021 SCCs and a 48-hour breach notice."
        )
        assert " ".join(root.find_class("ts-substantive")[0].text_content().split()) == (
            "Last change in substance: version 2.0, effective 15 February 2025. "
            "What changed in version 2.0"
        )
        here = posixpath.dirname(path)
        links = {
            a.text_content(): posixpath.normpath(posixpath.join(here, a.get("href")))
            for a in box.iter("a")
        }
        assert links["What changed in version 2.0"] == "dpa/2.0/redline"
        assert links["Wording changes"] == "dpa/2.1/redline"
        assert "What changed since 2.0" not in links  # the typo fix is not the headline
        assert (
            "Since then, wording only (no change in substance; nobody was notified): "
            "Version 2.1: Fixes a typo. Wording changes" in text
        )


def test_a_substantive_version_keeps_its_own_headline() -> None:
    _, root = page_text(render(sample_data())["dpa/2.0/index.md"])
    assert root.find_class("ts-summary")[0].text_content() == (
        "Adds the 2021 SCCs and a 48-hour breach notice."
    )
    assert not root.find_class("ts-substantive")


def test_editorial_versions_are_listed_as_wording_only() -> None:
    text, _ = page_text(render(sample_data())["dpa/versions/index.md"])
    assert "Fixes a typo. Editorial: wording only" in text
    assert "Adds the 2021 SCCs and a 48-hour breach notice. Current" not in text


def test_the_editorial_feed_entry_leads_with_the_substantive_change() -> None:
    data = sample_data()
    feed = feedparser.parse(build_feeds(data, build_changes(data, TODAY))["feeds/dpa.atom"])
    entry = next(e for e in feed.entries if e.id.endswith(":dpa/2.1"))
    content = entry.content[0].value
    assert content.startswith(
        "<p>Wording only. The last change in substance is version 2.0, effective 2025-02-15: "
        "Adds the 2021 SCCs and a 48-hour breach notice. "
        '<a href="https://trust.larkspur.example/dpa/2.0/redline/">See what it changed</a></p>'
    )
    substantive = next(e for e in feed.entries if e.id.endswith(":dpa/2.0"))
    assert "Wording only" not in substantive.content[0].value


def _with_line_break_edit() -> TrustData:
    data = sample_data()
    dpa = data.texts["dpa"]
    breach = make_section(
        "breach", "We notify you of a breach\nwithin 48 hours.", title="Personal data breaches"
    )
    fix = make_doc(
        "2.2",
        "2025-05-20",
        "2025-05-20",
        (dpa[-1].sections[0], breach, dpa[-1].sections[2]),
        summary="Fixes a line break.",
        editorial=True,
    )
    return data.model_copy(update={"texts": {**data.texts, "dpa": (*dpa, fix)}})


def test_a_line_break_only_edit_is_stated_as_such_on_the_redline_and_version_pages() -> None:
    pages = render(_with_line_break_edit())
    _, root = page_text(pages["dpa/2.2/redline/index.md"])
    labels = [" ".join(p.text_content().split()) for p in root.find_class("ts-change-label")]
    assert labels == ["Changed: line breaks only; the words are unchanged"]
    text, _ = page_text(pages["dpa/2.2/index.md"])
    assert "Personal data breaches (line breaks only; the words are unchanged)" in text
    # Two wording-only versions in a row: both listed under the 2.0 headline.
    text, root = page_text(pages["dpa/index.md"])
    assert root.find_class("ts-summary")[0].text_content() == (
        "Adds the 2021 SCCs and a 48-hour breach notice."
    )
    assert "Version 2.1: Fixes a typo. Wording changes Version 2.2: Fixes a line break." in text


def test_a_line_break_only_edit_is_stated_as_such_in_the_feed() -> None:
    data = _with_line_break_edit()
    feed = feedparser.parse(build_feeds(data, build_changes(data, TODAY))["feeds/dpa.atom"])
    entry = next(e for e in feed.entries if e.id.endswith(":dpa/2.2"))
    assert (
        "<li>Personal data breaches (line breaks only; the words are unchanged)</li>"
        in entry.content[0].value
    )


def test_the_list_page_leads_with_the_substantive_change_after_a_wording_fix() -> None:
    data = sample_data()
    fix = make_change(
        "2025-05-20",
        "2025-05-20",
        change={"brightwave-mail": {"purpose": "Sends transactional emails"}},
        summary="Corrects the wording of a purpose.",
        editorial=True,
    )
    data = data.model_copy(update={"subprocessor_changes": (*data.subprocessor_changes, fix)})
    text, root = page_text(render(data)["subprocessors/index.md"])
    assert root.find_class("ts-summary")[0].text_content() == (
        "Brightwave Mail now relies on the Data Privacy Framework."
    )
    assert "What changed on that date" not in text
    assert (
        "Last change in substance: version 2025-05-15, effective 15 May 2025. "
        "What changed in version 2025-05-15" in text
    )
    assert "Version 2025-05-20: Corrects the wording of a purpose. Wording changes" in text
