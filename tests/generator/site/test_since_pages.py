"""The built pages of "everything since version X" and of each entry's history.

A small history is written as YAML, built with the real MkDocs build, and the HTML is read
as a reader would: the main content, its tables, lists and links.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import lxml.html
import pytest

from generator.site.build import build_site
from tests.generator.history.test_entry_history import history_data
from tests.support.factories import make_data, make_doc, make_section, write_data

ROOT = Path(__file__).resolve().parents[3]
TODAY = dt.date(2025, 6, 1)

OBLIGATIONS_1 = "We will:\n\n- keep it **confidential**;\n- delete it on request.\n"
OBLIGATIONS_2 = (
    "We will:\n\n- keep it **confidential**;\n- tell you of a breach;\n- delete it on request.\n"
)
OBLIGATIONS_3 = OBLIGATIONS_2.replace("**confidential**", "**strictly confidential**")


def texts():  # type: ignore[no-untyped-def]
    def doc(version: str, announced: str, effective: str, body: str, extra: str = "Same."):  # type: ignore[no-untyped-def]
        sections = (make_section("obligations", body), make_section("scope", extra))
        return make_doc(version, announced, effective, sections)

    return {
        "dpa": (
            doc("1.0", "2024-01-01", "2024-01-01", OBLIGATIONS_1),
            doc("2.0", "2024-02-01", "2024-03-15", OBLIGATIONS_2),
            doc("3.0", "2024-09-01", "2024-10-15", OBLIGATIONS_3),
        ),
        "privacy": (doc("1.0", "2024-01-01", "2024-01-01", "Privacy."),),
        "faq": (doc("1.0", "2024-01-01", "2024-01-01", "Questions."),),
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("since")
    data = make_data(texts=texts(), changes=history_data().subprocessor_changes)
    write_data(data, work / "data")
    build_site(work / "data", work / "site", TODAY, config_file=ROOT / "mkdocs.yml")
    return work / "site"


def article(site: Path, path: str) -> lxml.html.HtmlElement:
    tree = lxml.html.parse(str(site / path / "index.html")).getroot()
    (main,) = tree.xpath("//article[contains(@class, 'md-content__inner')]")
    for link in main.xpath(".//a[@class='headerlink']"):
        link.drop_tree()
    return main


def text(el: lxml.html.HtmlElement) -> str:
    return " ".join(el.text_content().split())


def test_every_past_text_version_has_one_redline_to_the_current_one(site: Path) -> None:
    assert sorted(p.name for p in (site / "dpa" / "since").iterdir()) == ["1.0", "2.0"]
    page = article(site, "dpa/since/1.0")
    assert text(page.xpath("//h1")[0]) == (
        "Data Processing Addendum: everything that changed since version 1.0"
    )
    # The versions in between, each linking to its own redline.
    versions = page.xpath("//ol[@class='ts-since-versions']/li")
    assert [v.xpath("a")[0].get("href") for v in versions] == [
        "../../2.0/redline/",
        "../../3.0/redline/",
    ]
    # One redline from 1.0 to 3.0, rendered: a list with the inserted item and the
    # inserted word inside the bold term, no Markdown marks.
    body = page.xpath("//h2[@id='obligations']/following-sibling::div[1]")[0]
    assert text(body.xpath("p[@class='ts-change-label']")[0]) == "Changed in 2.0, 3.0"
    items = body.xpath(".//ul/li")
    assert [text(li) for li in items] == [
        "keep it strictly confidential;",
        "tell you of a breach;",
        "delete it on request.",
    ]
    assert [text(i) for i in items[0].xpath(".//strong/ins")] == ["strictly"]
    assert [text(i) for i in items[1].xpath("ins")] == ["tell you of a breach;"]
    assert "**" not in text(body) and "- " not in text(body)
    unchanged = page.xpath("//h2[@id='scope']/following-sibling::details[1]")[0]
    assert text(unchanged.xpath("summary")[0]) == "Unchanged since 1.0"


def test_permalinks_and_version_list_link_to_the_since_page(site: Path) -> None:
    permalink = article(site, "dpa/2.0")
    (link,) = permalink.xpath("//a[starts-with(text(), 'Compare with the current version')]")
    assert link.get("href") == "../since/2.0/"
    versions = article(site, "dpa/versions")
    compare = versions.xpath("//table//a[text()='Compare with the current version']/@href")
    assert compare == ["../since/2.0/", "../since/1.0/"]
    # The current version has nothing to compare with.
    assert not article(site, "dpa/3.0").xpath("//a[starts-with(text(), 'Compare with')]")
    # The picker is there for JavaScript, hidden without it.
    (picker,) = versions.xpath("//div[@data-ts-compare]")
    assert picker.get("hidden") is not None
    assert picker.xpath(".//select[@id='ts-compare-to']/option/@value") == ["3.0", "2.0", "1.0"]


def test_list_since_shows_an_entry_that_came_and_went_once_with_both_dates(site: Path) -> None:
    page = article(site, "subprocessors/since/2024-01-01")

    def rows(caption: str) -> list[str]:
        table = page.xpath(f"//table[caption[starts-with(text(), '{caption}')]]")[0]
        return [" | ".join(text(c) for c in tr.xpath("th|td")) for tr in table.xpath("tbody/tr")]

    assert rows("Added since") == [
        "D B.V. | Provides d services | Netherlands (NL) | Added 1 July 2024"
    ]
    assert rows("Added and removed again") == [
        "C B.V. | Provides c services | Netherlands (NL) | Added 1 March 2024 Removed 1 May 2024"
    ]
    changed = rows("Changed since")
    assert "B B.V. | Purpose: Provides b services Hosts | Changed 1 May 2024: purpose" in changed
    assert (
        "A B.V. | The same as on 1 January 2024 again. | Removed 1 May 2024 Added 1 July 2024"
        in changed
    )
    assert not page.xpath("//table[caption[starts-with(text(), 'Removed since')]]")
    # Each entry links to its history.
    assert page.xpath("//a[text()='C B.V.']/@href") == ["../../entries/c/"]


def test_an_entry_page_lists_every_change_with_dates(site: Path) -> None:
    page = article(site, "subprocessors/entries/a")
    assert text(page.xpath("//h1")[0]) == "A B.V.: history on the sub-processor list"
    assert text(page.xpath("//div[@class='ts-box']/p")[0]).startswith(
        "On the list since 1 July 2024."
    )
    events = [text(li.xpath("p")[0]) for li in page.xpath("//ol[@class='ts-entry-history']/li")]
    assert [e.split(" (")[0] for e in events] == [
        "Added effective 1 January 2024",
        "Removed effective 1 May 2024",
        "Added effective 1 July 2024",
    ]
    upcoming = article(site, "subprocessors/entries/e")
    assert "Upcoming" in text(upcoming.xpath("//ol[@class='ts-entry-history']/li")[0])


def test_each_row_of_the_list_says_since_when_and_links_its_history(site: Path) -> None:
    page = article(site, "subprocessors")
    row = page.xpath("//tr[@id='sp-a']/th")[0]
    assert text(row.xpath("a")[0]) == "A B.V."
    assert text(row.xpath("span")[0]) == "On the list since 1 July 2024 · History of A B.V."
    assert row.xpath(".//a[starts-with(., 'History')]/@href") == ["entries/a/"]
    # A version's permalink is the archived list: its rows carry no history links.
    old = article(site, "subprocessors/2024-01-01")
    assert text(old.xpath("//tr[@id='sp-a']/th")[0]) == "A B.V."
