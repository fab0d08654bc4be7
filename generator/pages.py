"""Every generated page of the site as Markdown, and every other file the build writes.

`render_pages` is a pure function of the data and the build date: it returns the Markdown
source of each page keyed by its path in the docs dir (`dpa/2.1/index.md`); the MkDocs
plugin adds them as virtual files. The wording lives in Jinja templates under
`templates/pages/`; this module gathers what each template needs.

Pages are Markdown for their headings (anchors, table of contents, search sections) and
HTML blocks for everything built from the data: values are HTML-escaped by Jinja's
autoescape, section bodies come from `render_markdown` (raw HTML escaped), and links
between pages are relative so the site works under any base path.
"""

from __future__ import annotations

import datetime as dt
import html
import importlib.util
import posixpath
from collections.abc import Callable, Sequence
from functools import cache

from babel import Locale
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from generator.changes import ChangeRecord, build_changes, changes_json
from generator.exports import build_exports
from generator.feeds import build_feeds
from generator.markdown_render import escape_inline, render_markdown
from generator.model import (
    TEXT_TOPICS,
    TOPIC_TITLES,
    TOPICS,
    Relationship,
    Site,
    Status,
    Subprocessor,
    SubprocessorVersion,
    TextVersionDoc,
    TrustData,
)
from generator.redline import redline_inline_html, redline_sections
from generator.timeline import TopicTimeline, timeline
from generator.urls import feed_path, page_path, redline_path

_MONTHS = [
    *["January", "February", "March", "April", "May", "June"],
    *["July", "August", "September", "October", "November", "December"],
]

MECHANISMS: dict[str, str] = {
    "none": "None needed (EEA only)",
    "adequacy": "Adequacy decision",
    "SCCs": "Standard Contractual Clauses",
    "DPF": "EU-U.S. Data Privacy Framework",
    "BCRs": "Binding Corporate Rules",
}
FIELD_LABELS: dict[str, str] = {
    "entity": "Entity",
    "purpose": "Purpose",
    "data_categories": "Data categories",
    "processing_locations": "Processing locations",
    "corporate_location": "Corporate location",
    "transfer_mechanism": "Transfer mechanism",
    "website": "Website",
    "relationship": "Relationship",
}
EXPORTS: tuple[tuple[str, str], ...] = (
    ("changes.json", "Every change, machine-readable (changes.json)"),
    ("subprocessors.json", "Current sub-processors as JSON"),
    ("subprocessors.csv", "Current sub-processors as CSV"),
    ("schema/subprocessors.schema.json", "JSON Schema of the sub-processor export"),
)


# --- formatting helpers, exposed to the templates as filters -------------------------------


def long_date(day: dt.date) -> str:
    """`1 June 2025`: unambiguous for readers on both sides of the Atlantic."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def time_tag(day: dt.date | None) -> Markup:
    if day is None:
        return Markup("—")
    return Markup('<time datetime="{}">{}</time>').format(day.isoformat(), long_date(day))


@cache
def _territories() -> dict[str, str]:
    return dict(Locale("en").territories)


def country(code: str) -> str:
    """`Germany (DE)`: the name lets site search find a sub-processor by country."""
    name = _territories().get(code)
    return f"{name} ({code})" if name else code


def field_value(field: str, value: object) -> str:
    """A sub-processor field as a reader should see it."""
    if field in ("processing_locations",):
        return ", ".join(country(str(c)) for c in value)  # type: ignore[attr-defined]
    if field == "corporate_location":
        return country(str(value))
    if field == "transfer_mechanism":
        return MECHANISMS.get(str(value), str(value))
    if field == "relationship":
        return "Affiliate" if str(value) == Relationship.affiliate else "Third party"
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    return str(value)


def subprocessor_row(entry: Subprocessor, anchor: bool = True) -> str:
    """One table row of the list. Built here rather than in Jinja: a large list repeats
    the same rows on every version's page, and render_pages memoises them. Only the list
    itself carries the `#sp-<id>` anchors: an entry also shown in a change's table on the
    same page would otherwise repeat the id."""
    cells = (
        entry.purpose,
        ", ".join(entry.data_categories),
        field_value("processing_locations", entry.processing_locations),
        country(entry.corporate_location),
        MECHANISMS[entry.transfer_mechanism.value],
    )
    tds = "".join(f"<td>{html.escape(c, quote=False)}</td>" for c in cells)
    link = f'<a href="{html.escape(str(entry.website))}" rel="noopener">'
    name = html.escape(entry.entity, quote=False)
    row_id = f' id="sp-{entry.id}"' if anchor else ""
    return f'<tr{row_id}><th scope="row">{link}{name}</a></th>{tds}</tr>'


def relative_url(here: str, target: str) -> str:
    """The link from the page at `here` (`dpa/2.1/`) to `target` (`dpa/versions/`)."""
    rel = posixpath.relpath(target or ".", here or ".")
    if target.endswith("/") or target == "":
        rel = "./" if rel == "." else rel + "/"
    return rel


def version_path(record: ChangeRecord) -> str:
    return page_path(record.topic, record.version)


def diff_path(record: ChangeRecord) -> str:
    """Where a change is shown: the list's `#what-changed`, a text's redline, or a first page."""
    if record.topic == "subprocessors":
        return page_path(record.topic, record.version) + "#what-changed"
    if record.previous_version is None:
        return page_path(record.topic, record.version)
    return redline_path(record.topic, record.version)


def subscribe_action(site: Site) -> str:
    """The service endpoint the subscribe form posts to (works without JavaScript)."""
    return str(site.service_url).rstrip("/") + "/api/subscriptions"


@cache
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("generator", "templates/pages"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        md=lambda text: Markup(escape_inline(str(text))),
        date=time_tag,
        long_date=long_date,
        country=country,
        field_value=field_value,
        markdown=lambda text: Markup(render_markdown(text)),
        version_path=version_path,
        diff_path=diff_path,
    )
    env.globals.update(
        topic_titles=TOPIC_TITLES,
        mechanisms=MECHANISMS,
        field_labels=FIELD_LABELS,
        # `{#id}` after a Markdown heading (attr_list); Jinja would read `{#` as a comment.
        anchor=lambda anchor_id: Markup("{#%s}") % anchor_id,
    )
    return env


# --- the pages -----------------------------------------------------------------------------


def render_pages(
    data: TrustData, records: Sequence[ChangeRecord], today: dt.date
) -> dict[str, str]:
    """Site-relative Markdown path -> Markdown source of every generated page."""
    by_id = {r.id: r for r in records}
    lines = {topic: timeline(data, topic, today) for topic in TOPICS}
    pages: dict[str, str] = {}
    # (id(entry), anchor) -> row; entries are shared between versions
    row_memo: dict[tuple[int, bool], str] = {}

    def table_rows(entries: Sequence[Subprocessor], anchors: bool = True) -> Markup:
        rows = []
        for entry in entries:
            row = row_memo.get((id(entry), anchors))
            if row is None:
                row = row_memo[(id(entry), anchors)] = subprocessor_row(entry, anchors)
            rows.append(row)
        return Markup("\n".join(rows))

    def add(path: str, template: str, **context: object) -> None:
        here = posixpath.dirname(path) + "/" if "/" in path else ""
        url: Callable[[str], str] = lambda target: relative_url(here, target)  # noqa: E731
        pages[path] = (
            _env()
            .get_template(template)
            .render(
                site=data.site,
                today=today,
                url=url,
                table_rows=table_rows,
                subscribe_action=subscribe_action(data.site),
                **context,
            )
        )

    add("index.md", "home.md.j2", **_home_context(data, records, lines))
    for topic in TEXT_TOPICS:
        _add_text_topic(add, lines[topic], by_id, data)
    _add_subprocessors(add, lines["subprocessors"], by_id)
    newest_first = sorted(records, key=lambda r: (r.announced, r.effective), reverse=True)
    add("changelog/index.md", "changelog.md.j2", records=newest_first)
    add("subscribe/index.md", "subscribe.md.j2", topics=TOPICS)
    return pages


def _home_context(
    data: TrustData, records: Sequence[ChangeRecord], lines: dict[str, TopicTimeline]
) -> dict[str, object]:
    documents = [
        {
            "topic": topic,
            "title": TOPIC_TITLES[topic],
            "current": lines[topic].current,
            "record": _record_of(records, topic, lines[topic].current),
        }
        for topic in TOPICS
    ]
    upcoming = sorted(
        (r for r in records if r.status is Status.upcoming),
        key=lambda r: (r.effective, r.topic, r.version),
    )
    feeds = [("all", "All documents")] + [(t, TOPIC_TITLES[t]) for t in TOPICS]
    return {
        "documents": documents,
        "next_change": upcoming[0] if upcoming else None,
        "more_upcoming": upcoming[1:],
        "feeds": [
            (feed_path(name, "atom"), feed_path(name, "rss"), title) for name, title in feeds
        ],
        "exports": EXPORTS,
        "topics": TOPICS,
    }


def _record_of(
    records: Sequence[ChangeRecord], topic: str, version: object | None
) -> ChangeRecord | None:
    if version is None:
        return None
    label = version.version  # type: ignore[attr-defined]
    return next((r for r in records if r.id == f"{topic}/{label}"), None)


def _add_text_topic(
    add: Callable[..., None],
    line: TopicTimeline,
    by_id: dict[str, ChangeRecord],
    data: TrustData,
) -> None:
    topic = line.topic
    pdf_path = _pdf_path_function(topic, data.site)
    docs: list[TextVersionDoc] = list(line.published)  # type: ignore[arg-type]
    versions = [_version_context(line, by_id, doc, pdf_path) for doc in docs]
    current = next((v for v in versions if v["status"] is Status.current), None)
    add(
        f"{topic}/index.md",
        "text_current.md.j2",
        topic=topic,
        title=TOPIC_TITLES[topic],
        v=current,
        upcoming=[v for v in versions if v["status"] is Status.upcoming],
    )
    for v in versions:
        doc: TextVersionDoc = v["doc"]  # type: ignore[assignment]
        add(f"{page_path(topic, doc.version)}index.md", "text_version.md.j2", topic=topic, v=v)
        previous = line.previous(doc.version)
        if previous is not None:
            assert isinstance(previous, TextVersionDoc)
            add(
                f"{redline_path(topic, doc.version)}index.md",
                "redline.md.j2",
                topic=topic,
                v=v,
                previous=previous,
                title_redline=Markup(redline_inline_html(previous.title, doc.title)),
                sections=redline_sections(previous, doc),
            )
    add(
        f"{topic}/versions/index.md",
        "versions.md.j2",
        topic=topic,
        title=TOPIC_TITLES[topic],
        versions=list(reversed(versions)),
    )


def _version_context(
    line: TopicTimeline,
    by_id: dict[str, ChangeRecord],
    version: TextVersionDoc | SubprocessorVersion,
    pdf_path: Callable[[str], str] | None,
) -> dict[str, object]:
    """What every page about one version shows: dates, status, neighbours, links."""
    labels = [v.version for v in line.published]
    index = labels.index(version.version)
    later = line.published[index + 1] if index + 1 < len(labels) else None
    current = line.current
    return {
        "doc": version,
        "version": version.version,
        "record": by_id[f"{line.topic}/{version.version}"],
        "status": line.statuses[version.version],
        "previous": line.published[index - 1].version if index > 0 else None,
        "replaced_on": _effective(later) if later is not None else None,
        "replaced_until": _effective(later) - dt.timedelta(days=1) if later else None,
        "current_version": current.version if current is not None else None,
        "path": page_path(line.topic, version.version),
        "pdf": pdf_path(version.version) if pdf_path else None,
    }


def _effective(version: TextVersionDoc | SubprocessorVersion) -> dt.date:
    return (
        version.change.effective if isinstance(version, SubprocessorVersion) else version.effective
    )


def _pdf_path_function(topic: str, site: Site) -> Callable[[str], str] | None:
    """Where the DPA's PDFs are, if this installation builds them (generator.pdf)."""
    if topic != "dpa" or not pdf_available():
        return None
    from generator.pdf import dpa_pdf_path

    return lambda version: dpa_pdf_path(site, version)


def _add_subprocessors(
    add: Callable[..., None], line: TopicTimeline, by_id: dict[str, ChangeRecord]
) -> None:
    versions = [_version_context(line, by_id, v, None) for v in line.published]  # type: ignore[arg-type]
    current = next((v for v in versions if v["status"] is Status.current), None)
    upcoming = [v for v in versions if v["status"] is Status.upcoming]
    add(
        "subprocessors/index.md",
        "subprocessors.md.j2",
        v=current,
        groups=_groups(current["doc"].entries) if current else [],  # type: ignore[index,union-attr]
        upcoming=upcoming,
    )
    for v in versions:
        entries: tuple[Subprocessor, ...] = v["doc"].entries  # type: ignore[attr-defined,union-attr]
        add(
            f"{v['path']}index.md",
            "subprocessors_version.md.j2",
            v=v,
            groups=_groups(entries),
        )
    add(
        "subprocessors/versions/index.md",
        "versions.md.j2",
        topic="subprocessors",
        title=TOPIC_TITLES["subprocessors"],
        versions=list(reversed(versions)),
    )


def _groups(entries: Sequence[Subprocessor]) -> list[tuple[str, str, list[Subprocessor]]]:
    """Affiliates apart from third parties: (anchor, heading, entries), by entity name."""
    ordered = sorted(entries, key=lambda e: (e.entity.casefold(), e.id))
    return [
        (
            "third-parties",
            "Third-party sub-processors",
            [e for e in ordered if e.relationship is Relationship.third_party],
        ),
        (
            "affiliates",
            "Affiliates",
            [e for e in ordered if e.relationship is Relationship.affiliate],
        ),
    ]


# --- everything else the build writes ------------------------------------------------------


def site_outputs(
    data: TrustData,
    today: dt.date,
    records: Sequence[ChangeRecord] | None = None,
    *,
    pdfs: bool = True,
) -> dict[str, bytes]:
    """Feeds, changes.json, exports and (when generator.pdf is installed) the DPA PDFs.

    The MkDocs plugin passes `pdfs=False` and gets the PDFs from generator.pdf_jobs,
    which caches them and renders them beside the page build.
    """
    if records is None:
        records = build_changes(data, today)
    outputs: dict[str, bytes] = {"changes.json": changes_json(data, records, today)}
    outputs.update(build_feeds(data, records))
    outputs.update(build_exports(data, today, records))
    if pdfs and pdf_available():
        from generator.pdf import dpa_pdfs

        outputs.update(dpa_pdfs(data, today))
    return outputs


def pdf_available() -> bool:
    return importlib.util.find_spec("generator.pdf") is not None
