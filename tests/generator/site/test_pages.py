"""`render_pages`: the Markdown of every generated page, checked as a reader would see it.

Pages are rendered from the fixture data set (tests/fixtures/data-small, build date
2025-06-01) and turned into HTML with the same Markdown extensions as mkdocs.yml, so
these tests read headings, tables and links rather than template text.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import lxml.etree
import lxml.html
import markdown
import pytest
import yaml

from generator.history.changes import build_changes
from generator.load.loader import load_data
from generator.load.model import Section, TrustData
from generator.site.page_context import country
from generator.site.pages import render_pages, site_outputs

SMALL = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "data-small"
TODAY = dt.date(2025, 6, 1)


def render(data: TrustData, today: dt.date = TODAY) -> dict[str, str]:
    return render_pages(data, build_changes(data, today), today)


def split(page: str) -> tuple[dict, lxml.html.HtmlElement]:
    """Front matter and the page as HTML (as MkDocs would convert it)."""
    _, front, body = page.split("---\n", 2)
    html = markdown.markdown(body, extensions=["attr_list", "admonition", "tables", "toc"])
    return yaml.safe_load(front), lxml.html.fromstring(f"<main>{html}</main>")


def text(el: lxml.html.HtmlElement) -> str:
    return " ".join(el.text_content().split())


@pytest.fixture(scope="module")
def data() -> TrustData:
    return load_data(SMALL)


@pytest.fixture(scope="module")
def pages(data: TrustData) -> dict[str, str]:
    return render(data)


def test_every_documented_path_is_generated(pages: dict[str, str]) -> None:
    assert sorted(pages) == sorted(
        [
            "index.md",
            "changelog/index.md",
            "subscribe/index.md",
            "subprocessors/index.md",
            "subprocessors/versions/index.md",
            "subprocessors/2024-01-01/index.md",
            "subprocessors/2024-09-01/index.md",
            "subprocessors/2025-07-01/index.md",
            "subprocessors/since/2024-01-01/index.md",
            "subprocessors/entries/alpha-hosting/index.md",
            "subprocessors/entries/beta-mail/index.md",
            "subprocessors/entries/delta-desk/index.md",
            "subprocessors/entries/larkspur-relay-ltd/index.md",
            "dpa/index.md",
            "dpa/since/1.0/index.md",
            "dpa/versions/index.md",
            "dpa/1.0/index.md",
            "dpa/2.0/index.md",
            "dpa/2.0/redline/index.md",
            "dpa/1.0/annexes/index.md",
            "dpa/2.0/annexes/index.md",
            "registers/index.md",
            "privacy/index.md",
            "privacy/versions/index.md",
            "privacy/1.0/index.md",
            "privacy/2.0/index.md",
            "privacy/2.0/redline/index.md",
            "privacy/since/1.0/index.md",
            "faq/index.md",
            "faq/versions/index.md",
            "faq/1.0/index.md",
            "faq/1.1/index.md",
            "faq/1.1/redline/index.md",
            "faq/since/1.0/index.md",
            # A data set without data/security/ still has the topic's (empty) pages.
            "security/index.md",
            "security/versions/index.md",
            "requests/dpa/index.md",
            "requests/data-subject/index.md",
        ]
    )


def test_sections_are_headings_anchored_by_their_id(pages: dict[str, str], data: TrustData) -> None:
    dpa = data.texts["dpa"][-1]
    sections = [(s.id, s.title) for s in dpa.sections]
    # The current DPA ends with the request form, under its own heading; every document
    # page with the subscribe box.
    follow = ("follow", "Follow changes to this document")
    for path, extra in (
        ("dpa/index.md", [("request-dpa", "Request the current DPA"), follow]),
        ("dpa/2.0/index.md", [follow]),
    ):
        _, html = split(pages[path])
        headings = [(h.get("id"), text(h)) for h in html.xpath("//h2")]
        assert headings == sections + extra


def test_current_text_page_has_a_header_box(pages: dict[str, str]) -> None:
    _, html = split(pages["dpa/index.md"])
    (box,) = html.xpath("//div[@class='ts-box']")
    facts = {text(d.xpath("dt")[0]): text(d.xpath("dd")[0]) for d in box.xpath(".//dl/div")}
    assert facts == {
        "Version": "2.0 Current",
        "Effective": "10 March 2025",
        "Announced": "3 February 2025",
    }
    assert "Breach notice within 48 hours" in text(box)
    links = box.xpath(".//a/@href")
    assert "versions/" in links and "2.0/redline/" in links


def test_past_version_banner_gives_its_dates_and_the_current_version(pages: dict[str, str]) -> None:
    front, html = split(pages["dpa/1.0/index.md"])
    (banner,) = html.xpath("//div[contains(@class, 'ts-banner')]")
    assert "Past version" in text(banner)
    assert "until 9 March 2025" in text(banner)  # the day before 2.0 took effect
    assert banner.xpath(".//a/@href") == ["../"]
    assert front["search"] == {"exclude": True}  # old wording must not crowd search results


def test_redline_marks_words_and_editorial_versions(pages: dict[str, str]) -> None:
    _, html = split(pages["dpa/2.0/redline/index.md"])
    (breach,) = html.xpath("//div[@class='ts-redline ts-redline--changed']")
    assert breach.xpath(".//del/text()") == ["72"] and breach.xpath(".//ins/text()") == ["48"]
    assert "Legend" in text(html.xpath("//p[@class='ts-legend']")[0])
    _, faq = split(pages["faq/1.1/redline/index.md"])
    assert "Editorial change" in text(faq)


def test_version_list_has_dates_status_and_editorial_mark(pages: dict[str, str]) -> None:
    _, html = split(pages["faq/versions/index.md"])
    rows = [[text(c) for c in tr.xpath("./th|./td")] for tr in html.xpath("//tbody/tr")]
    assert [r[0] for r in rows] == ["1.1", "1.0"]  # newest first
    assert rows[0][3] == "Current" and "Editorial" in rows[0][4]
    assert rows[1][3] == "Past" and "Editorial" not in rows[1][4]
    assert html.xpath("//table/caption") and html.xpath("//thead//th[@scope='col']")


def test_subprocessors_page_puts_announced_changes_first(pages: dict[str, str]) -> None:
    _, html = split(pages["subprocessors/index.md"])
    headings = [h.get("id") for h in html.xpath("//h2")]
    assert headings == ["upcoming", "third-parties", "affiliates", "locations", "follow"]
    (upcoming,) = html.xpath("//div[contains(@class, 'ts-upcoming')]")
    assert "Takes effect 1 July 2025" in text(upcoming)
    assert "Objections are accepted until the end of 30 June 2025 (UTC)." in text(upcoming)
    assert "In force until then: version 2024-09-01 until 30 June 2025." in text(upcoming)
    assert "Removed (1)" in text(upcoming) and "Delta Desk Ltd" in text(upcoming)


def test_affiliates_are_listed_apart_with_countries_by_name(pages: dict[str, str]) -> None:
    _, html = split(pages["subprocessors/index.md"])
    tables = html.xpath("//div[contains(@class, 'ts-scroll')]/table")
    by_caption = {text(t.xpath("caption")[0]): t for t in tables}
    third = by_caption["Third-party sub-processors"]
    affiliates = by_caption["Affiliates"]
    assert "Larkspur Relay Ltd" in text(affiliates) and "Larkspur Relay Ltd" not in text(third)
    header = [text(th) for th in third.xpath(".//thead/tr/th")]
    assert header == [
        "Entity",
        "Purpose",
        "Data categories",
        "Processing locations",
        "Corporate location",
        "Transfer mechanism",
    ]
    assert "Germany (DE)" in text(third)
    assert "United Kingdom (GB)" in text(affiliates) and "Adequacy decision" in text(affiliates)


def test_list_version_shows_what_changed_field_by_field(pages: dict[str, str]) -> None:
    _, html = split(pages["subprocessors/2024-09-01/index.md"])
    assert html.xpath("//h2[@id='what-changed']")
    (changed,) = [t for t in html.xpath("//table") if text(t.xpath("caption")[0]) == "Changed (1)"]
    row = [text(c) for c in changed.xpath(".//tbody/tr/*")]
    assert row == [
        "Beta Mail Inc.",
        "Transfer mechanism",
        "Standard Contractual Clauses",
        "EU-U.S. Data Privacy Framework",
    ]
    assert changed.xpath(".//del") and changed.xpath(".//ins")


def test_changelog_lists_every_change_newest_first_with_diff_links(
    pages: dict[str, str], data: TrustData
) -> None:
    _, html = split(pages["changelog/index.md"])
    rows = html.xpath("//tbody/tr")
    assert len(rows) == len(build_changes(data, TODAY))
    announced = [r.xpath("./td[1]/time/@datetime")[0] for r in rows]
    assert announced == sorted(announced, reverse=True)
    links = {r.get("id"): r.xpath("./td[last()]/a/@href")[0] for r in rows}
    assert links["dpa-2-0"] == "../dpa/2.0/redline/"
    assert links["subprocessors-2024-09-01"] == "../subprocessors/2024-09-01/#what-changed"
    assert links["dpa-1-0"] == "../dpa/1.0/"


def test_home_shows_the_next_change_and_links_to_every_document(pages: dict[str, str]) -> None:
    _, html = split(pages["index.md"])
    links = html.xpath("//a/@href")
    for target in ("subprocessors/", "dpa/", "privacy/", "faq/", "feeds/all.atom"):
        assert target in links
    (next_change,) = html.xpath("//li[contains(@class, 'ts-next')]")
    assert "takes effect 1 July 2025" in text(next_change)
    assert html.xpath("//form[@data-ts-subscribe]")


def test_home_leads_with_a_card_per_document_and_the_latest_changes_newest_first(
    pages: dict[str, str],
) -> None:
    _, html = split(pages["index.md"])
    cards = html.xpath("//section[contains(@class, 'ts-doc-card')]")
    titles = [text(card.xpath(".//h3")[0]) for card in cards]
    assert titles[:4] == [
        "Sub-processors",
        "Data Processing Addendum",
        "Privacy statement",
        "GDPR and CCPA FAQ",
    ]
    dpa = text(cards[1])
    assert "Version 2.0" in dpa and "In force since" in dpa
    # The announced change of the list is a chip on its card, linking to what changes.
    (chip,) = cards[0].xpath(".//a[contains(@class, 'ts-chip')]")
    assert "Upcoming: version 2025-07-01 from 1 July 2025" in text(chip)
    assert chip.get("href") == "subprocessors/2025-07-01/#what-changed"
    assert not cards[1].xpath(".//a[contains(@class, 'ts-chip')]")
    latest = html.xpath("//ol[@class='ts-latest']/li")
    assert 1 <= len(latest) <= 5
    announced = [text(li.xpath(".//p[@class='ts-note']")[0]) for li in latest]
    assert all(note.startswith("Announced ") for note in announced)
    # Document order first, then the latest changes, then the subscribe form.
    order = [el.get("id") for el in html.xpath("//h2[@id]")]
    assert order.index("documents") < order.index("latest-changes") < order.index("subscribe")


def test_subscribe_form_works_without_javascript_and_labels_every_field(
    pages: dict[str, str],
) -> None:
    _, html = split(pages["subscribe/index.md"])
    (form,) = html.xpath("//form")
    assert form.get("method") == "post"
    assert form.get("action") == "https://trust.example.test/api/subscriptions"
    names = form.xpath(".//input/@name")
    assert names.count("topics") == 5 and "email" in names and "website" in names
    labelled = set(form.xpath(".//label/@for"))
    assert {i.get("id") for i in form.xpath(".//input")} <= labelled
    assert form.xpath(".//*[@aria-live='polite']")


def _request_form(page: str) -> lxml.html.HtmlElement:
    _, html = split(page)
    (form,) = html.xpath("//form[contains(@class, 'ts-request')]")
    assert form.get("method") == "post"
    fields = form.xpath(".//input | .//select | .//textarea")
    labelled = set(form.xpath(".//label/@for"))
    assert {f.get("id") for f in fields} <= labelled, "every field has a label"
    assert form.xpath(".//input[@name='website'][@tabindex='-1']"), "honeypot"
    return form


def test_request_forms_post_to_the_service_even_on_another_origin(data: TrustData) -> None:
    site = data.site.model_copy(update={"service_url": "https://service.example.test/"})
    pages = render(data.model_copy(update={"site": site}))
    for path in ("dpa/index.md", "requests/dpa/index.md"):
        form = _request_form(pages[path])
        assert form.get("action") == "https://service.example.test/api/dpa-requests", path
        assert form.xpath(".//input/@name")[:3] == ["name", "email", "company"]
        (select,) = form.xpath(".//select[@name='signed_version']")
        options = [(o.get("value"), text(o)) for o in select.xpath("option")]
        # Only versions already in force: nobody has signed a pending one.
        assert options == [("", "I'm not sure"), ("2.0", "Version 2.0"), ("1.0", "Version 1.0")]
    form = _request_form(pages["requests/data-subject/index.md"])
    assert form.get("action") == "https://service.example.test/api/subject-requests"
    names = form.xpath(".//*[@name]/@name")
    assert names == ["name", "email", "request_type", "controller", "details", "website"]


def test_request_pages_are_linked_where_readers_need_them(pages: dict[str, str]) -> None:
    def links(path: str) -> list[str]:
        return split(pages[path])[1].xpath("//a/@href")

    assert "requests/dpa/" in links("index.md")
    assert "requests/data-subject/" in links("index.md")
    assert "./#request-dpa" in links("dpa/index.md")
    assert split(pages["dpa/index.md"])[1].xpath("//h2[@id='request-dpa']")
    for version in ("1.0", "2.0"):
        assert "../#request-dpa" in links(f"dpa/{version}/index.md")
    for topic in ("privacy", "faq"):
        (box,) = split(pages[f"{topic}/index.md"])[1].xpath("//div[@class='ts-box']")
        assert "../requests/data-subject/" in box.xpath(".//a/@href"), topic


def test_a_script_in_a_body_is_escaped(data: TrustData) -> None:
    doc = data.texts["dpa"][-1]
    evil = Section(id="evil", title="<b>Bold</b> title", body='<script>alert("x")</script>')
    texts = {
        **data.texts,
        "dpa": (
            *data.texts["dpa"][:-1],
            doc.model_copy(update={"sections": (*doc.sections, evil)}),
        ),
    }
    pages = render(data.model_copy(update={"texts": texts}))
    for path, page in pages.items():
        assert "<script>" not in page, path
        assert "<b>Bold</b>" not in page, path
    _, html = split(pages["dpa/index.md"])
    assert '<script>alert("x")</script>' in text(html)
    assert "<b>Bold</b> title" in [text(h) for h in html.xpath("//h2")]


def test_drafts_are_not_published(data: TrustData) -> None:
    doc = data.texts["privacy"][-1]
    draft = doc.model_copy(
        update={
            "version": "3.0",
            "announced": dt.date(2025, 7, 1),
            "effective": dt.date(2025, 8, 1),
        }
    )
    texts = {**data.texts, "privacy": (*data.texts["privacy"], draft)}
    pages = render(data.model_copy(update={"texts": texts}))
    assert "privacy/3.0/index.md" not in pages
    assert "3.0" not in pages["privacy/versions/index.md"]


def test_country_names() -> None:
    assert country("DE") == "Germany (DE)"
    assert country("US") == "United States (US)"


def test_site_outputs_are_the_documented_files(data: TrustData) -> None:
    outputs = site_outputs(data, TODAY)
    for path in (
        "changes.json",
        "subprocessors.json",
        "subprocessors.csv",
        "schema/subprocessors.schema.json",
        "feeds/all.atom",
        "feeds/all.rss",
        "feeds/dpa.atom",
        "feeds/subprocessors.rss",
        "feeds/sitemap.xml",
    ):
        assert path in outputs
    sitemap = lxml.etree.fromstring(outputs["feeds/sitemap.xml"])
    locs = [loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://trust.example.test/feeds/all.atom" in locs and len(locs) == 12


def test_a_product_page_lists_its_entries_and_the_filter_offers_products(
    data: TrustData,
) -> None:
    from generator.load.model import Product

    beta = next(e for c in data.subprocessor_changes for e in c.add if e.id == "beta-mail")
    first = data.subprocessor_changes[0]
    narrowed = first.model_copy(
        update={
            "add": tuple(
                e.model_copy(update={"products": ("mail",)}) if e is beta else e
                for e in first.add
            )
        }
    )
    site = data.site.model_copy(
        update={"products": (Product(id="mail", name="Mail"), Product(id="chat", name="Chat"))}
    )
    scoped = data.model_copy(
        update={"site": site, "subprocessor_changes": (narrowed, *data.subprocessor_changes[1:])}
    )
    pages = render(scoped)

    _, chat = split(pages["subprocessors/products/chat/index.md"])
    _, mail = split(pages["subprocessors/products/mail/index.md"])
    assert "Beta Mail Inc." not in text(chat) and "Alpha Hosting GmbH" in text(chat)
    assert "Beta Mail Inc." in text(mail) and "Alpha Hosting GmbH" in text(mail)
    links = [a.get("href") for a in mail.iter("a")]
    for target in ("subprocessors-mail.json", "subprocessors-mail.csv"):
        assert any(h.endswith(target) for h in links), links
    assert any(h.endswith("feeds/subprocessors-mail.atom") for h in links)
    _, listing = split(pages["subprocessors/index.md"])
    rows = {
        row.get("id"): row.get("data-ts-facets")
        for row in listing.iter("tr")
        if row.get("data-ts-facets")
    }
    assert '"product":["Mail"]' in rows["sp-beta-mail"]
    assert '"product":["Mail","Chat"]' in rows["sp-alpha-hosting"]
    assert "products/chat/" in pages["subprocessors/index.md"]
    _, subscribe = split(pages["subscribe/index.md"])
    boxes = subscribe.xpath("//input[@name='products']")
    assert [b.get("value") for b in boxes] == ["mail", "chat"]
    assert not any(b.get("checked") is not None for b in boxes)  # none ticked: every product
