"""The feeds of one region (`feeds/subprocessors-region-<id>.atom|rss`) beside a product's,
and product and region names instead of their ids in every feed."""

from __future__ import annotations

import datetime as dt

import feedparser

from generator.history.changes import build_changes
from generator.outputs.feeds import build_feeds
from generator.site.pages import site_outputs
from tests.support.factories import make_change, make_data, make_entry, make_site

TODAY = dt.date(2025, 5, 20)


def _region_data():
    site = make_site(
        products=[{"id": "inbox", "name": "Shared Inbox"}, {"id": "sms", "name": "SMS Gateway"}],
        regions=[{"id": "eu", "name": "European Union"}, {"id": "us", "name": "United States"}],
    )
    first = make_change("2025-01-01", "2025-01-01", add=(make_entry("host"),))
    both = make_change(
        "2025-02-01",
        "2025-03-10",
        add=(
            make_entry("eu-sms", products=["sms"], regions=["eu"]),
            make_entry("us-mail", products=["inbox"], regions=["us"]),
        ),
        summary="Adds an SMS carrier in the EU and a mail sender in the US.",
    )
    moved = make_change(
        "2025-04-01",
        "2025-05-10",
        change={"host": {"regions": ["eu"], "products": ["inbox", "sms"]}},
        summary="Host serves the EU only.",
    )
    return make_data(changes=(first, both, moved), site=site)


def _ids(feed) -> list[str]:
    return [e.id.rsplit(":", 1)[1] for e in feed.entries]


def test_each_region_has_feeds_of_the_changes_reaching_it_showing_its_part() -> None:
    data = _region_data()
    feeds = build_feeds(data, build_changes(data, TODAY))
    us = feedparser.parse(feeds["feeds/subprocessors-region-us.atom"])
    eu = feedparser.parse(feeds["feeds/subprocessors-region-eu.rss"])
    assert "feeds/subprocessors-us.atom" not in feeds  # a region's feed carries `region-`
    assert us.bozo == 0 and eu.bozo == 0
    assert us.feed.title == "Larkspur Relay: Sub-processors for the United States region"
    assert us.feed.link == "https://trust.larkspur.example/subprocessors/regions/us/"
    # The host served every region: its move to the EU concerns US clients (who lose it).
    assert _ids(us) == [
        "subprocessors/2025-05-10",
        "subprocessors/2025-03-10",
        "subprocessors/2025-01-01",
    ]
    added_in_us = us.entries[1].content[0].value.split("<p>Added")[1]
    assert "Us Mail B.V." in added_in_us and "Eu Sms" not in added_in_us
    # Names, never ids: what an added entry serves, and the change of the host's scope.
    assert "for Shared Inbox; in United States" in added_in_us
    moved = us.entries[0].content[0].value
    assert "regions: European Union → every region" not in moved
    assert "regions: every region → European Union" in moved
    assert "products: every product → Shared Inbox, SMS Gateway" in moved
    assert "'eu'" not in moved and ">eu<" not in moved


def test_a_product_feed_keeps_every_region_and_a_reader_is_reached_by_pairs() -> None:
    data = _region_data()
    feeds = build_feeds(data, build_changes(data, TODAY))
    sms = feedparser.parse(feeds["feeds/subprocessors-sms.atom"])
    # The EU SMS carrier is an SMS change wherever it runs; the US mail sender is not.
    added = sms.entries[1].content[0].value.split("<p>Added")[1]
    assert "Eu Sms B.V." in added and "Us Mail" not in added


def test_the_feed_sitemap_and_the_exports_list_the_region_files() -> None:
    data = _region_data()
    outputs = site_outputs(data, TODAY, pdfs=False)
    for path in (
        "feeds/subprocessors-region-eu.atom",
        "feeds/subprocessors-region-us.rss",
        "subprocessors-region-eu.json",
        "subprocessors-region-us.csv",
        "feeds/subprocessors-sms.atom",
    ):
        assert path in outputs, path
    sitemap = outputs["feeds/sitemap.xml"].decode()
    assert "https://trust.larkspur.example/feeds/subprocessors-region-us.rss" in sitemap
