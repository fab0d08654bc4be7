"""Atom 1.0 and RSS 2.0 feeds of the published changes, one pair per topic and one for all.

Every date in a feed comes from the data: an entry is published and updated on the day the
change was announced (at a fixed instant of that day, see generator.outputs.feed_headlines), and a
feed is updated when its newest entry was. feedgen would
otherwise stamp the build time (feed `updated`/`lastBuildDate`, entry `updated`) and its
own version (`generator`); both are overridden so two builds give identical bytes.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape as xml_escape

from feedgen.ext.base import BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from generator.contract import TOPIC_TITLES, TOPICS, long_date, value_words
from generator.history.changes import ChangeRecord, record_touches, scope_record
from generator.history.diff import ListDiff, TextDiff
from generator.history.parts import Part, site_parts
from generator.history.substance import Substance, substance_of
from generator.history.urls import absolute_url, feed_names, feed_path, page_url
from generator.load.fields import describe_change, field_label
from generator.load.model import Site, Subprocessor, TrustData
from generator.outputs.feed_headlines import headline, updated_instants

EDITORIAL_LABEL = "Editorial change (no notice sent)"
KINDS = ("atom", "rss")
# A trust center with nothing published yet still needs an `updated` date, never the clock.
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _updated(record: ChangeRecord, instant: dt.datetime) -> dt.datetime:
    """A correction makes its entry newer: the entry's instant, moved to the latest
    correction's day (the time of day keeps entries of one day distinct)."""
    latest = max((s.correction.date for s in record.corrections), default=record.announced)
    return instant + dt.timedelta(days=max(0, (latest - record.announced).days))


def entry_id(data: TrustData, first: dt.date, record: ChangeRecord) -> str:
    """A tag URI (RFC 4151) that survives a redesign of the site's paths.

    The date is `first`, the first publication of the trust center, which never changes
    once it is out; the site's host names the authority.
    """
    return f"tag:{data.site.site_url.host},{first.isoformat()}:{record.id}"


def entry_title(record: ChangeRecord) -> str:
    title = headline(record)
    return f"{title} — {EDITORIAL_LABEL}" if record.editorial else title


def _list_items(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def _list_summary(diff: ListDiff, names: dict[str, str]) -> list[str]:
    e = html.escape
    parts = []
    if diff.added:
        lines = [
            f"{e(s.entity)}: {e(s.purpose)} "
            f"({e(value_words('processing_locations', s.processing_locations))}; "
            f"transfer mechanism: {e(value_words('transfer_mechanism', s.transfer_mechanism))}"
            f"{_scope_words(s, names)})"
            for s in diff.added
        ]
        parts.append("<p>Added:</p>" + _list_items(lines))
    if diff.removed:
        parts.append("<p>Removed:</p>" + _list_items([e(s.entity) for s in diff.removed]))
    if diff.changed:
        lines = [
            f"{e(c.entity)}: "
            + "; ".join(
                f"{field_label(f.field)}: "
                f"{describe_change(f.old, f.new, _escaped(f.field, names))}"
                for f in c.fields
            )
            for c in diff.changed
        ]
        parts.append("<p>Changed:</p>" + _list_items(lines))
    return parts


def _escaped(field: str, names: dict[str, str]) -> Callable[[object], str]:
    """One value of `field` in words for people (`United Kingdom (GB)`, a product by its
    name), escaped."""
    return lambda value: html.escape(value_words(field, value, names))


def _scope_words(entry: Subprocessor, names: dict[str, str]) -> str:
    """`; for SMS Messaging; in European Union`: what an added entry serves, when it is not
    everything (a site without products and regions says nothing)."""
    words = [
        f"{label} {html.escape(value_words(field, getattr(entry, field), names))}"
        for field, label in (("products", "for"), ("regions", "in"))
        if getattr(entry, field) is not None
    ]
    return "".join("; " + w for w in words)


def _text_summary(diff: TextDiff) -> list[str]:
    parts = []
    for change, label in (("changed", "Sections changed"), ("added", "Sections added")):
        titles = [
            html.escape(s.title) + (" (line breaks only; the words are unchanged)" * s.layout_only)
            for s in diff.sections
            if s.change == change
        ]
        if titles:
            parts.append(f"<p>{label}:</p>" + _list_items(titles))
    removed = [html.escape(s.title) for s in diff.sections if s.change == "removed"]
    if removed:
        parts.append("<p>Sections removed:</p>" + _list_items(removed))
    return parts


def entry_content(
    record: ChangeRecord,
    substance: Substance | None = None,
    names: dict[str, str] | None = None,
) -> str:
    """The entry body (HTML): the summary, the dates, and what changed (products and
    regions by their `names` in site.yaml). An editorial entry leads with the change in
    substance it follows (`substance`), so it never hides it."""
    dates = f"Announced {long_date(record.announced)}. Takes effect {long_date(record.effective)}."
    if record.in_force_before_text:
        dates += f" In force until then: {html.escape(record.in_force_before_text)}."
    if record.objection_deadline_text is not None and not record.editorial:
        dates += f" {html.escape(record.objection_deadline_text)}"
    if record.editorial:
        dates += f" {EDITORIAL_LABEL}: the wording changed, the substance did not."
    parts = _substance_parts(substance) if substance else []
    parts += [f"<p>{html.escape(record.summary)}</p>", f"<p>{dates}</p>"]
    if isinstance(record.diff, ListDiff):
        parts += _list_summary(record.diff, names or {})
    else:
        parts += _text_summary(record.diff)
    link = html.escape(record.diff_url, quote=True)
    parts.append(f'<p><a href="{link}">See exactly what changed</a></p>')
    parts += [
        f"<p>Corrected on {s.correction.date}: {html.escape(s.correction.why)} "
        f"({html.escape(s.correction.by)}). Content SHA-256 after: {s.content_hash}</p>"
        for s in record.corrections
    ]
    parts.append(f"<p>Content SHA-256 as published: {record.content_hash}</p>")
    return "\n".join(parts)


def _substance_parts(substance: Substance) -> list[str]:
    s = substance.substantive
    link = html.escape(s.diff_url, quote=True)
    return [
        f"<p>Wording only. The last change in substance is version {html.escape(s.version)}, "
        f"effective {s.effective}: {html.escape(s.summary)} "
        f'<a href="{link}">See what it changed</a></p>'
    ]


@dataclass(frozen=True)
class _Entries:
    """What each entry says, worked out once for the twelve feeds that show it."""

    ids: dict[str, str]  # record id -> tag URI
    contents: dict[str, str]  # record id -> HTML
    instants: dict[str, dt.datetime]  # record id -> its distinct `updated`
    records: dict[str, ChangeRecord]  # record id -> record
    names: dict[str, str]  # product and region ids -> their names

    @classmethod
    def of(cls, data: TrustData, records: Sequence[ChangeRecord]) -> _Entries:
        by_id = {r.id: r for r in records}
        first = min((r.announced for r in records), default=None)
        names = data.site.part_names()
        return cls(
            ids={r.id: entry_id(data, first, r) for r in records if first is not None},
            contents={r.id: entry_content(r, substance_of(by_id, r), names) for r in records},
            instants=updated_instants(records),
            records=by_id,
            names=names,
        )

    def content(self, record: ChangeRecord, part: Part | None) -> str:
        """The entry's body; in a product's (region's) feed, with only the entries serving it."""
        if part is None:
            return self.contents[record.id]
        scoped = scope_record(record, part.products, part.regions)
        return entry_content(scoped, substance_of(self.records, scoped), self.names)


class _RssHub(BaseExtension):  # type: ignore[misc]
    """`<atom:link rel="hub">` in an RSS channel: feedgen writes only the `self` link there."""

    href: str | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"atom": "http://www.w3.org/2005/Atom"}

    def extend_rss(self, feed: etree._Element) -> etree._Element:
        if self.href:
            etree.SubElement(
                feed[0], "{http://www.w3.org/2005/Atom}link", href=self.href, rel="hub"
            )
        return feed


@dataclass(frozen=True)
class _Heading:
    title: str
    subtitle: str
    home: str


def _heading(site: Site, name: str, part: Part | None) -> _Heading:
    company = site.company
    if part is not None:
        return _Heading(
            f"{company.name}: {part.title}",
            f"Changes to the sub-processors of {part.label}, by {company.legal_name}",
            absolute_url(site, part.page_path),
        )
    if name in TOPIC_TITLES:
        title = TOPIC_TITLES[name]
        return _Heading(
            f"{company.name}: {title}",
            f"Changes to the {title.lower()} of {company.legal_name}",
            page_url(site, name),
        )
    return _Heading(
        f"{company.name}: All changes",
        f"Every change to the trust center of {company.legal_name}",
        absolute_url(site, "changelog/"),
    )


def _feed(
    data: TrustData,
    name: str,
    kind: str,
    records: Sequence[ChangeRecord],
    all_records: Sequence[ChangeRecord],
    entries: _Entries,
    part: Part | None = None,
) -> bytes:
    site = data.site
    heading = _heading(site, name, part)
    self_url = absolute_url(site, feed_path(name, kind))

    fg = FeedGenerator()
    fg.id(absolute_url(site, feed_path(name, "atom")))
    fg.title(heading.title)
    fg.subtitle(heading.subtitle)
    fg.author({"name": site.company.legal_name, "email": site.contacts.privacy})
    fg.link(
        href=self_url,
        rel="self",
        type="application/atom+xml" if kind == "atom" else "application/rss+xml",
    )
    if site.websub_hub is not None:
        # WebSub (W3C): readers subscribe at the hub, which `websub-publish` tells of updates.
        hub = str(site.websub_hub)
        if kind == "atom":
            fg.link(href=hub, rel="hub")
        else:
            fg.register_extension("trustsite_hub", _RssHub, atom=False, rss=True)
            fg.trustsite_hub.href = hub
    fg.link(href=heading.home, rel="alternate")  # last: RSS's <link> is the last one set
    fg.language("en")
    fg.generator("trustsite")
    # An empty topic feed is as fresh as the trust center's latest change.
    instants = entries.instants
    newest = max((instants[r.id] for r in records or all_records), default=None)
    fg.updated(newest or _EPOCH)

    # Oldest first with feedgen's default "prepend": the feed lists newest first.
    for record in records:
        content = entries.content(record, part)
        entry = fg.add_entry()
        entry.id(entries.ids[record.id])
        entry.guid(entries.ids[record.id], permalink=False)
        entry.title(entry_title(record))
        entry.link(href=record.url, rel="alternate")
        if kind == "atom":
            entry.content(content, type="html")
        else:
            entry.description(content)
        entry.published(instants[record.id])
        entry.updated(_updated(record, instants[record.id]))
        entry.category(term=record.topic, label=record.topic_title)
        if record.editorial:
            entry.category(term="editorial", label=EDITORIAL_LABEL)
    if kind == "atom":
        return fg.atom_str(pretty=True)
    return fg.rss_str(pretty=True)


def build_feeds(data: TrustData, records: Sequence[ChangeRecord]) -> dict[str, bytes]:
    """`feeds/<topic>.atom|rss` for every topic (empty if nothing is published yet),
    `feeds/all.atom|rss`, and `feeds/subprocessors-<product>.atom|rss` for every product
    and `feeds/subprocessors-region-<region>.atom|rss` for every region (the list changes
    touching it), keyed by site-relative path."""
    outputs: dict[str, bytes] = {}
    entries = _Entries.of(data, records)
    for name in (*TOPICS, "all"):
        selected = [r for r in records if name in ("all", r.topic)]
        for kind in KINDS:
            outputs[feed_path(name, kind)] = _feed(data, name, kind, selected, records, entries)
    for part in site_parts(data.site):
        selected = [
            r
            for r in records
            if r.topic == "subprocessors" and record_touches(r, part.products, part.regions)
        ]
        for kind in KINDS:
            outputs[feed_path(part.feed_name, kind)] = _feed(
                data, part.feed_name, kind, selected, records, entries, part
            )
    return outputs


SITEMAP_PATH = "feeds/sitemap.xml"


def build_feed_sitemap(site: Site) -> bytes:
    """`feeds/sitemap.xml`: a sitemap of the feeds, so that nothing 404s in the browser.

    Every page declares the feeds with `<link rel="alternate" type="application/atom+xml">`
    for feed readers. Material's script reads every `link[rel=alternate]` as another
    version of the site (its language switcher) and fetches `sitemap.xml` beside it, which
    for `feeds/all.atom` is this file. Listing the feeds here is also a valid sitemap: a
    sitemap may list the URLs under its own folder."""
    locs = "".join(
        f"<url><loc>{xml_escape(absolute_url(site, feed_path(name, kind)))}</loc></url>\n"
        for name in feed_names(site)
        for kind in KINDS
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{locs}</urlset>\n"
    ).encode()
