"""A region's page, the list's region filter, the subscribe boxes offering products and
regions, and product and region names (never their ids) where a value is shown."""

from __future__ import annotations

import datetime as dt

import pytest

from generator.load.model import Product, Region, TrustData
from tests.generator.site.test_pages import SMALL, render, split, text
from tests.support.factories import make_change, make_data, make_entry, make_site

TODAY = dt.date(2025, 6, 1)


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    site = make_site(
        products=[{"id": "inbox", "name": "Shared Inbox"}],
        regions=[{"id": "eu", "name": "European Union", "notice_period_days": 40},
                 {"id": "us", "name": "United States"}],
    )
    first = make_change(
        "2025-01-01",
        "2025-01-01",
        add=(make_entry("host"), make_entry("us-mail", regions=["us"])),
    )
    upcoming = make_change(
        "2025-05-01",
        "2025-06-20",
        add=(make_entry("eu-desk", regions=["eu"], products=["inbox"]),),
        change={"host": {"regions": ["eu"]}},
    )
    return render(make_data(changes=(first, upcoming), site=site))


def test_a_region_page_lists_its_entries_feeds_and_exports(pages: dict[str, str]) -> None:
    front, us = split(pages["subprocessors/regions/us/index.md"])
    assert front["title"] == "Sub-processors for the United States region"
    body = text(us)
    assert "Us Mail B.V." in body and "Host B.V." in body  # every region's entries too
    assert "2 sub-processors serve the United States region today" in body
    assert "at least 30 days before" in body
    links = [a.get("href") for a in us.iter("a")]
    for target in (
        "subprocessors-region-us.json",
        "subprocessors-region-us.csv",
        "feeds/subprocessors-region-us.atom",
        "feeds/subprocessors-region-us.rss",
    ):
        assert any(h.endswith(target) for h in links), (target, links)
    # The announced change as US clients see it: the host leaves them, the EU desk is not theirs.
    assert "Eu Desk" not in body and "Every region" in body and "European Union" in body

    _, eu = split(pages["subprocessors/regions/eu/index.md"])
    assert "at least 40 days before" in text(eu)  # the region's own notice
    assert "Us Mail" not in text(eu) and "Eu Desk B.V." in text(eu)


def test_the_list_links_each_region_and_its_rows_carry_the_region_facet(
    pages: dict[str, str],
) -> None:
    _, listing = split(pages["subprocessors/index.md"])
    assert "regions/us/" in pages["subprocessors/index.md"]
    assert "By region: European Union · United States" in text(listing)
    rows = {
        row.get("id"): row.get("data-ts-facets")
        for row in listing.iter("tr")
        if row.get("data-ts-facets")
    }
    assert '"region":["United States"]' in rows["sp-us-mail"]
    assert '"region":["European Union","United States"]' in rows["sp-host"]
    assert '"product":["Shared Inbox"]' in rows["sp-host"]


def test_changed_scopes_read_with_names_never_ids(pages: dict[str, str]) -> None:
    _, listing = split(pages["subprocessors/index.md"])
    changed = [
        [td.text_content() for td in row.iter("td")]
        for row in listing.iter("tr")
        if "Regions" in [td.text_content() for td in row.iter("td")]
    ]
    assert changed == [["Regions", "Every region", "European Union"]]
    _, entry = split(pages["subprocessors/entries/us-mail/index.md"])
    assert "United States" in text(entry) and ">us<" not in pages[
        "subprocessors/entries/us-mail/index.md"
    ]


def test_both_subscribe_boxes_offer_products_and_regions_folded_away(
    pages: dict[str, str],
) -> None:
    for path, prefix in (("subscribe/index.md", "ts"), ("subprocessors/index.md", "ts-follow")):
        _, page = split(pages[path])
        (form,) = page.xpath("//form[@data-ts-subscribe]")
        (scope,) = form.xpath(".//details[@data-ts-scope]")
        assert scope.get("open") is None  # folded: the box stays compact
        assert "some products or regions" in text(scope.find("summary"))
        regions = scope.xpath(".//fieldset[@data-ts-regions]//input")
        assert [(b.get("name"), b.get("value"), b.get("id")) for b in regions] == [
            ("regions", "eu", f"{prefix}-region-eu"),
            ("regions", "us", f"{prefix}-region-us"),
        ]
        assert not any(b.get("checked") is not None for b in regions)  # none: every region
        labels = {lab.get("for"): text(lab) for lab in scope.iter("label")}
        assert labels[f"{prefix}-region-eu"] == "European Union"
        assert labels[f"{prefix}-product-inbox"] == "Shared Inbox"


def test_a_site_without_regions_sends_no_regions_and_one_without_either_no_choice() -> None:
    from generator.load.loader import load_data

    data: TrustData = load_data(SMALL)
    products_only = data.model_copy(
        update={"site": data.site.model_copy(update={"products": (Product(id="a", name="A"),)})}
    )
    page = render(products_only)["subscribe/index.md"]
    assert 'name="products"' in page and 'name="regions"' not in page
    assert "some products <span" in page
    regions_only = data.model_copy(
        update={"site": data.site.model_copy(update={"regions": (Region(id="x", name="X"),)})}
    )
    page = render(regions_only)["subscribe/index.md"]
    assert 'name="regions"' in page and 'name="products"' not in page
    assert "some regions <span" in page
    plain = render(data)
    assert all("data-ts-scope" not in p for p in plain.values())
    assert "subprocessors/regions/" not in " ".join(plain)
