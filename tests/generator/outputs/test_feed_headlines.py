"""Feed entries say what changed, and every feed passes what the W3C Feed Validator checks.

The validator cannot be reached from the test machine; its documented checks that our
feeds could trip are tested here instead: unique ids, distinct `updated` instants (its
warning "Two entries with the same value for atom:updated"), a feed `updated` no older
than its entries, RFC 3339 dates in Atom and RFC 822 dates in RSS, a `rel="self"` link of
the right type in both, HTML content declared as such, absolute links, non-permalink guids.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re

import feedparser
import pytest
from lxml import etree

from generator.history.changes import build_changes
from generator.outputs.feed_headlines import headline, updated_instants
from generator.outputs.feeds import build_feeds
from tests.support.factories import (
    make_change,
    make_data,
    make_doc,
    make_entry,
    make_section,
    sample_data,
)

TODAY = dt.date(2025, 5, 20)
ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def same_day_data():
    """Three changes announced on one day: two of the list, one of the DPA."""
    verbena = make_entry("verbena", entity="Verbena Language Services GmbH")
    alpha = make_entry("alpha", entity="Alpha Hosting GmbH")
    changes = (
        make_change("2024-01-01", "2024-02-01", add=(alpha,)),
        make_change("2025-03-01", "2025-04-01", add=(verbena,)),
        make_change("2025-03-01", "2025-05-01", remove=("alpha",)),
    )
    dpa = (
        make_doc("1.0", "2024-01-01", "2024-01-01", (make_section("a", "x"),)),
        make_doc(
            "2.1",
            "2025-03-01",
            "2025-04-01",
            (make_section("a", "y"),),
            summary="Breach notice within 48 hours.",
        ),
    )
    return make_data(changes=changes, texts={"dpa": dpa})


@pytest.fixture(scope="module")
def records():
    return build_changes(same_day_data(), TODAY)


@pytest.fixture(scope="module")
def feeds(records) -> dict[str, bytes]:
    return build_feeds(same_day_data(), records)


def test_headlines_name_what_changed(records) -> None:
    titles = {r.id: headline(r) for r in records}
    assert titles["subprocessors/2024-02-01"] == "Publishes the list of 1 sub-processors"
    assert titles["subprocessors/2025-04-01"] == "Adds Verbena Language Services GmbH"
    assert titles["subprocessors/2025-05-01"] == "Removes Alpha Hosting GmbH"
    assert titles["dpa/2.1"].endswith(" 2.1: Breach notice within 48 hours")


def test_a_changed_entry_is_named_with_its_fields() -> None:
    data = sample_data()
    found = [headline(r) for r in build_changes(data, TODAY) if r.topic == "subprocessors"]
    assert any("changes " in h and "(" in h for h in found), found


@pytest.mark.parametrize("name", ["all", "subprocessors", "dpa"])
def test_entries_of_one_feed_have_distinct_updated_instants(feeds, name: str) -> None:
    root = etree.fromstring(feeds[f"feeds/{name}.atom"])
    updated = [e.findtext(f"{ATOM}updated") for e in root.iter(f"{ATOM}entry")]
    assert len(updated) == len(set(updated)), updated
    ids = [e.findtext(f"{ATOM}id") for e in root.iter(f"{ATOM}entry")]
    assert len(ids) == len(set(ids))
    # The feed is as fresh as its newest entry, never older.
    assert root.findtext(f"{ATOM}updated") == max(updated)


def test_instants_stay_on_the_announcement_day_and_do_not_move(records) -> None:
    instants = updated_instants(records)
    for r in records:
        assert instants[r.id].date() == r.announced
    # A change announced later the same day keeps the earlier ones where they were.
    later = updated_instants(records[:-1])
    assert all(later[i] == instants[i] for i in later)


@pytest.mark.parametrize("name", ["all", "subprocessors", "dpa", "faq"])
def test_atom_feed_has_what_the_validator_checks(feeds, name: str) -> None:
    raw = feeds[f"feeds/{name}.atom"]
    root = etree.fromstring(raw)
    selfs = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert len(selfs) == 1 and selfs[0].get("type") == "application/atom+xml"
    assert selfs[0].get("href").endswith(f"/feeds/{name}.atom")
    for date in root.iter(f"{ATOM}updated", f"{ATOM}published"):
        assert RFC3339.match(date.text), date.text
    for entry in root.iter(f"{ATOM}entry"):
        content = entry.find(f"{ATOM}content")
        assert content.get("type") == "html"
        hrefs = re.findall(r'href="([^"]+)"', content.text)
        assert all(h.startswith("https://") for h in hrefs), hrefs
        assert entry.find(f"{ATOM}link").get("href").startswith("https://")
    parsed = feedparser.parse(raw)
    assert parsed.bozo == 0 and parsed.version == "atom10"


@pytest.mark.parametrize("name", ["all", "subprocessors", "dpa", "faq"])
def test_rss_feed_has_what_the_validator_checks(feeds, name: str) -> None:
    raw = feeds[f"feeds/{name}.rss"]
    channel = etree.fromstring(raw).find("channel")
    selfs = [link for link in channel.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert len(selfs) == 1 and selfs[0].get("type") == "application/rss+xml"
    assert selfs[0].get("href").endswith(f"/feeds/{name}.rss")
    pub = [i.findtext("pubDate") for i in channel.iter("item")]
    for date in [channel.findtext("lastBuildDate"), *pub]:
        assert email.utils.parsedate_to_datetime(date).tzinfo is not None, date
    assert len(pub) == len(set(pub))
    for item in channel.iter("item"):
        assert item.find("guid").get("isPermaLink") == "false"
        assert item.findtext("title") and item.findtext("link").startswith("https://")
    parsed = feedparser.parse(raw)
    assert parsed.bozo == 0 and parsed.version == "rss20"
