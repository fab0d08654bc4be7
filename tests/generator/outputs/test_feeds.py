"""Atom and RSS feeds, read back the way a feed reader reads them."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from generator.contract import TOPICS
from generator.history.changes import build_changes
from generator.outputs.feeds import EDITORIAL_LABEL, build_feeds
from tests.support.factories import make_change, make_data, make_entry, make_site, sample_data

TODAY = dt.date(2025, 5, 20)
ATOM_SCHEMA = Path(__file__).parents[1] / "fixtures" / "atom.rng"
TAG = "tag:trust.larkspur.example,2024-06-01:"
# Newest first, as a reader lists them; drafts (announced after TODAY) are absent.
EXPECTED_IDS = [
    "dpa/2.1",
    "subprocessors/2025-05-15",
    "subprocessors/2025-03-01",
    "dpa/2.0",
    "subprocessors/2024-09-01",
    "privacy/1.0",
    "dpa/1.0",
]


@pytest.fixture(scope="module")
def feeds() -> dict[str, bytes]:
    data = sample_data()
    return build_feeds(data, build_changes(data, TODAY))


@pytest.fixture(scope="module")
def atom_schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(ATOM_SCHEMA)))


def test_one_atom_and_one_rss_feed_per_topic_and_for_all(feeds: dict[str, bytes]) -> None:
    names = ["subprocessors", "dpa", "privacy", "faq", "security", "all"]
    assert sorted(feeds) == sorted(f"feeds/{n}.{k}" for n in names for k in ("atom", "rss"))


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_all_feed_lists_every_published_change_newest_first(
    feeds: dict[str, bytes], kind: str
) -> None:
    parsed = feedparser.parse(feeds[f"feeds/all.{kind}"])

    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == ("atom10" if kind == "atom" else "rss20")
    assert [e.id for e in parsed.entries] == [TAG + i for i in EXPECTED_IDS]
    newest = parsed.entries[0]
    assert newest.title == f"Data Processing Addendum 2.1: Fixes a typo — {EDITORIAL_LABEL}"
    assert newest.link == "https://trust.larkspur.example/dpa/2.1/"
    assert newest.published_parsed[:3] == (2025, 5, 1)
    # The feed was last updated when its newest change was announced, not at build time
    # (the DPA's entries are stamped a minute after midnight: generator.outputs.feed_headlines).
    assert parsed.feed.updated_parsed[:6] == (2025, 5, 1, 0, 1, 0)


def test_entry_dates_are_the_announcement_dates(feeds: dict[str, bytes]) -> None:
    parsed = feedparser.parse(feeds["feeds/subprocessors.atom"])
    dates = {e.id.removeprefix(TAG): e.published_parsed[:3] for e in parsed.entries}
    assert dates == {
        "subprocessors/2025-05-15": (2025, 4, 1),
        "subprocessors/2025-03-01": (2025, 1, 20),
        "subprocessors/2024-09-01": (2024, 8, 1),
    }
    assert all(e.updated_parsed == e.published_parsed for e in parsed.entries)


def test_list_entry_says_who_was_added_removed_and_changed(feeds: dict[str, bytes]) -> None:
    parsed = feedparser.parse(feeds["feeds/subprocessors.atom"])
    entry = next(e for e in parsed.entries if e.id.endswith("subprocessors/2025-03-01"))
    content = entry.content[0].value

    assert entry.content[0].type == "text/html"
    assert "Takes effect 1 March 2025" in content
    assert "Objections are accepted until the end of 28 February 2025 (UTC)." in content
    added, rest = content.split("Removed:")
    assert (
        "Brightwave Mail Inc.: Sends transactional email (United States (US); "
        "transfer mechanism: Standard Contractual Clauses)"
    ) in added
    removed, changed = rest.split("Changed:")
    assert "Old Sms B.V." in removed
    assert "Cloudnine Hosting B.V.: processing locations: adds Ireland (IE)" in changed
    assert "subprocessors/2025-03-01/#what-changed" in content


def test_text_entry_names_the_sections_and_marks_editorial_changes(
    feeds: dict[str, bytes],
) -> None:
    parsed = feedparser.parse(feeds["feeds/dpa.rss"])
    by_id = {e.id.removeprefix(TAG): e for e in parsed.entries}

    second = by_id["dpa/2.0"].summary
    assert re.search(r"Sections changed:.*Personal data breaches", second, re.S)
    assert re.search(r"Sections added:.*Transfers", second, re.S)
    assert re.search(r"Sections removed:.*Audits", second, re.S)
    assert "dpa/2.0/redline/" in second

    editorial = by_id["dpa/2.1"]
    assert EDITORIAL_LABEL in editorial.title
    assert EDITORIAL_LABEL in [t.term for t in editorial.tags]
    assert EDITORIAL_LABEL not in by_id["dpa/2.0"].title


def test_topic_feeds_hold_only_their_topic(feeds: dict[str, bytes]) -> None:
    for topic in ("subprocessors", "dpa", "privacy"):
        ids = [e.id for e in feedparser.parse(feeds[f"feeds/{topic}.atom"]).entries]
        assert ids == [TAG + i for i in EXPECTED_IDS if i.startswith(topic + "/")]
    empty = feedparser.parse(feeds["feeds/faq.atom"])
    assert empty.bozo == 0 and empty.entries == []


def _feed_paths(kind: str) -> set[str]:
    """The feeds the contract promises: one per topic and one of everything."""
    return {f"feeds/{name}.{kind}" for name in (*TOPICS, "all")}


def test_every_atom_feed_is_valid_atom_1_0(
    feeds: dict[str, bytes], atom_schema: etree.RelaxNG
) -> None:
    atom = {path: body for path, body in feeds.items() if path.endswith(".atom")}
    assert set(atom) >= _feed_paths("atom")  # none missing: an empty loop would prove nothing
    for path, body in atom.items():
        assert atom_schema.validate(etree.fromstring(body)), (path, atom_schema.error_log)


def test_the_schema_rejects_a_broken_feed(
    feeds: dict[str, bytes], atom_schema: etree.RelaxNG
) -> None:
    # Guards the guard: a schema that accepts anything would make the test above hollow.
    broken = feeds["feeds/all.atom"].replace(b"<updated>2025-05-01", b"<updated>May 2025", 1)
    assert not atom_schema.validate(etree.fromstring(broken))


def test_every_rss_feed_has_the_elements_rss_2_0_requires(feeds: dict[str, bytes]) -> None:
    rss = {path: body for path, body in feeds.items() if path.endswith(".rss")}
    assert set(rss) >= _feed_paths("rss")
    assert any(etree.fromstring(body).find("channel/item") is not None for body in rss.values())
    for path, body in rss.items():
        root = etree.fromstring(body)
        assert root.tag == "rss" and root.get("version") == "2.0"
        channel = root.find("channel")
        for required in ("title", "link", "description"):
            assert channel.findtext(required), (path, required)
        for item in channel.findall("item"):
            for element in ("title", "link", "description", "guid", "pubDate"):
                assert item.findtext(element), (path, element)
            assert item.find("guid").get("isPermaLink") == "false"


def test_two_builds_are_byte_identical_and_carry_no_build_time() -> None:
    data = sample_data()
    first = build_feeds(data, build_changes(data, TODAY))
    second = build_feeds(sample_data(), build_changes(sample_data(), TODAY))
    assert first == second

    allowed = {
        str(d)
        for c in data.subprocessor_changes
        for d in (c.announced, c.effective, c.effective - dt.timedelta(days=1))
    } | {
        str(d)
        for docs in data.texts.values()
        for doc in docs
        for d in (doc.announced, doc.effective)
    }
    for path, body in first.items():
        text = body.decode()
        assert "feedgen" not in text, path
        for found in re.findall(r"\d{4}-\d{2}-\d{2}", text):
            assert found in allowed or found == "2024-06-01", (path, found)
        for day, month, year in re.findall(r"\w{3}, (\d{2}) (\w{3}) (\d{4})", text):
            parsed = dt.datetime.strptime(f"{day} {month} {year}", "%d %b %Y").date()
            assert str(parsed) in allowed, (path, parsed)


def test_text_from_the_data_is_escaped_in_entry_content() -> None:
    entry = make_entry("x-mail", entity="X <script>alert(1)</script> Mail")
    change = make_change("2025-01-01", "2025-01-01", add=(entry,), summary="Adds <b>X</b>.")
    data = make_data(changes=(change,))
    atom = build_feeds(data, build_changes(data, TODAY))["feeds/subprocessors.atom"]
    content = etree.fromstring(atom).findtext(".//{http://www.w3.org/2005/Atom}content")

    # The content is HTML: the data's markup must arrive there as text, escaped once more.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "<script>" not in content and "<b>" not in content


def _product_data(**site: object):
    products = [{"id": "inbox", "name": "Shared Inbox"}, {"id": "sms", "name": "SMS"}]
    first = make_change("2025-01-01", "2025-01-01", add=(make_entry("host"),))
    both = make_change(
        "2025-02-01",
        "2025-03-10",
        add=(make_entry("kestrel-sms", products=["sms"]), make_entry("ink", products=["inbox"])),
        summary="Adds Kestrel and Ink.",
    )
    sms = make_change(
        "2025-04-01", "2025-05-10", remove=("kestrel-sms",), summary="Removes Kestrel."
    )
    return make_data(
        changes=(first, both, sms), site=make_site(products=products, **site)
    )


def test_each_product_has_feeds_of_the_changes_touching_it_showing_its_part() -> None:
    data = _product_data()
    feeds = build_feeds(data, build_changes(data, TODAY))
    inbox = feedparser.parse(feeds["feeds/subprocessors-inbox.atom"])
    sms = feedparser.parse(feeds["feeds/subprocessors-sms.rss"])

    assert inbox.bozo == 0 and sms.bozo == 0
    assert inbox.feed.title == "Larkspur Relay: Sub-processors for Shared Inbox"
    assert inbox.feed.link == "https://trust.larkspur.example/subprocessors/products/inbox/"
    # The first list serves every product; Kestrel's removal touches SMS only.
    assert [e.id.rsplit(":", 1)[1] for e in inbox.entries] == [
        "subprocessors/2025-03-10",
        "subprocessors/2025-01-01",
    ]
    assert [e.id.rsplit(":", 1)[1] for e in sms.entries] == [
        "subprocessors/2025-05-10",
        "subprocessors/2025-03-10",
        "subprocessors/2025-01-01",
    ]
    added_for_inbox = inbox.entries[0].content[0].value
    assert "Ink B.V." in added_for_inbox and "Kestrel" not in added_for_inbox.split("<p>Added")[1]
    assert "Kestrel Sms B.V." in feeds["feeds/subprocessors.atom"].decode()


def test_feeds_name_the_websub_hub_beside_self_only_when_one_is_set() -> None:
    data = _product_data(websub_hub="https://hub.example/")
    feeds = build_feeds(data, build_changes(data, TODAY))
    atom_ns = "{http://www.w3.org/2005/Atom}"
    assert len(feeds) == 16  # five topics and all, two products; Atom and RSS each
    for path, body in feeds.items():
        root = etree.fromstring(body)
        links = root.iter(f"{atom_ns}link")
        rels = {link.get("rel"): link.get("href") for link in links if link.get("rel")}
        assert rels["hub"] == "https://hub.example/", path
        assert rels["self"] == f"https://trust.larkspur.example/{path}", path
    plain = build_feeds(_product_data(), build_changes(_product_data(), TODAY))
    assert all(b'rel="hub"' not in body for body in plain.values())
