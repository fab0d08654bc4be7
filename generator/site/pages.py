"""Every generated page of the site as Markdown, and every other file the build writes.

`render_pages` is a pure function of the data and the build date: it returns the Markdown
source of each page keyed by its path in the docs dir (`dpa/2.1/index.md`); the MkDocs
plugin adds them as virtual files. The wording lives in Jinja templates under
`templates/pages/`; this module gathers what the site-wide pages need (home, changelog,
subscribe, the two request forms) and leaves the pages of each document to
generator.site.text_pages and generator.site.subprocessor_pages.

Pages are Markdown for their headings (anchors, table of contents, search sections) and
HTML blocks for everything built from the data: values are HTML-escaped by Jinja's
autoescape, section bodies come from `render_markdown` (raw HTML escaped), and links
between pages are relative so the site works under any base path.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Callable, Mapping, Sequence

from markupsafe import Markup

from generator.contract import TEXT_TOPICS, TOPIC_TITLES, TOPICS, Status
from generator.history.changes import ChangeRecord, build_changes, changes_json
from generator.history.manifest import history_outputs
from generator.history.parts import site_parts
from generator.history.provenance import Origin
from generator.history.signing import fingerprint, signer_from_environment
from generator.history.urls import feed_path
from generator.load.annexes import all_annexes
from generator.load.model import Subprocessor, TrustData
from generator.load.timeline import TopicTimeline, timeline
from generator.outputs.annex_text import annex_changes
from generator.outputs.change_pictures import changelog_timeline, picture_outputs
from generator.outputs.exports import build_exports
from generator.outputs.feeds import build_feed_sitemap, build_feeds
from generator.outputs.registers import register_context, register_outputs
from generator.outputs.service_info import PATH as SERVICE_JSON
from generator.outputs.service_info import service_json
from generator.site.annex_pages import add_annex_pages
from generator.site.page_context import relative_url, service_action, subprocessor_row, template_env
from generator.site.security_pages import add_security_pages, home_badges, security_outputs
from generator.site.since_pages import (
    add_entry_pages,
    add_subprocessor_since,
    add_text_since,
    entries_prefix,
    entry_link,
    subprocessor_histories,
)
from generator.site.subprocessor_pages import add_part_pages, add_subprocessors
from generator.site.text_pages import add_text_topic, dpa_request_versions

LATEST_CHANGES = 5  # on the home page; the changelog has them all
EXPORTS: tuple[tuple[str, str], ...] = (
    ("changes.json", "Every change, machine-readable (changes.json)"),
    ("subprocessors.json", "Current sub-processors as JSON"),
    ("subprocessors.csv", "Current sub-processors as CSV"),
    ("schema/subprocessors.schema.json", "JSON Schema of the sub-processor export"),
    ("registers/", "DORA register of information: templates B_05.01 and B_05.02 (CSV)"),
)


def render_pages(
    data: TrustData,
    records: Sequence[ChangeRecord],
    today: dt.date,
    provenance: Mapping[str, Origin] | None = None,
) -> dict[str, str]:
    """Site-relative Markdown path -> Markdown source of every generated page.

    `provenance` (generator.history.provenance) links each version to the commit that added it."""
    by_id = {r.id: r for r in records}
    lines = {topic: timeline(data, topic, today) for topic in TOPICS}
    pages: dict[str, str] = {}
    histories = subprocessor_histories(lines["subprocessors"])
    annexes = all_annexes(data, today)

    def annex_diff(old: str, new: str) -> list[str]:
        """What changed in the SCC annexes from DPA `old` to `new` (redlines, since-pages)."""
        if old not in annexes or new not in annexes:
            return []
        return annex_changes(annexes[old], annexes[new])

    # (id(entry), anchor, link) -> row; entries are shared between versions
    row_memo: dict[tuple[int, bool, str], str] = {}

    def table_rows(entries: Sequence[Subprocessor], anchors: bool, prefix: str | None) -> Markup:
        rows = []
        for entry in entries:
            history = histories.get(entry.id)
            link = entry_link(history, prefix, listed=anchors) if prefix is not None else ""
            row = row_memo.get((id(entry), anchors, link))
            if row is None:
                row = row_memo[(id(entry), anchors, link)] = subprocessor_row(
                    entry, anchors, link, data.site
                )
            rows.append(row)
        return Markup("\n".join(rows))

    def add(path: str, template: str, **context: object) -> None:
        here = posixpath.dirname(path) + "/" if "/" in path else ""
        url: Callable[[str], str] = lambda target: relative_url(here, target)  # noqa: E731
        # Only the list in force says since when each entry is on it and links its
        # history: on every version's permalink (each the whole list) it would multiply
        # the size of the archive for little use.
        prefix = entries_prefix(here) if path == "subprocessors/index.md" else None
        pages[path] = (
            template_env()
            .get_template(template)
            .render(
                site=data.site,
                today=today,
                url=url,
                table_rows=lambda rows, anchors=True: table_rows(rows, anchors, prefix),
                subscribe_action=service_action(data.site, "subscriptions"),
                dpa_request_action=service_action(data.site, "dpa-requests"),
                subject_request_action=service_action(data.site, "subject-requests"),
                provenance=provenance or {},
                annex_diff=annex_diff,
                **context,
            )
        )

    add("index.md", "home.md.j2", **_home_context(data, records, lines, today))
    for topic in TEXT_TOPICS:
        add_text_topic(add, lines[topic], by_id, data)
        add_text_since(add, lines[topic], by_id)
    add_annex_pages(add, lines["dpa"], by_id, annexes, data.site, today)
    add_subprocessors(add, lines["subprocessors"], by_id)
    add_part_pages(add, data.site, lines["subprocessors"], by_id)
    add_subprocessor_since(add, lines["subprocessors"], by_id, histories)
    add_entry_pages(add, histories)
    add_security_pages(add, lines["security"], by_id, data, today)  # replaces security/
    newest_first = sorted(records, key=lambda r: (r.announced, r.effective), reverse=True)
    add(
        "changelog/index.md",
        "changelog.md.j2",
        records=newest_first,
        timeline_svg=changelog_timeline(records, today),
    )
    add("subscribe/index.md", "subscribe.md.j2", topics=TOPICS)
    add(
        "requests/dpa/index.md",
        "request_dpa.md.j2",
        request_versions=dpa_request_versions(lines["dpa"]),
    )
    add("requests/data-subject/index.md", "request_data_subject.md.j2")
    add("registers/index.md", "registers.md.j2", **register_context(data, today))
    return pages


def _home_context(
    data: TrustData,
    records: Sequence[ChangeRecord],
    lines: dict[str, TopicTimeline],
    today: dt.date,
) -> dict[str, object]:
    upcoming = sorted(
        (r for r in records if r.status is Status.upcoming),
        key=lambda r: (r.effective, r.topic, r.version),
    )
    documents = [
        {
            "topic": topic,
            "title": TOPIC_TITLES[topic],
            "current": lines[topic].current,
            "record": _record_of(records, topic, lines[topic].current),
            "upcoming": next((r for r in upcoming if r.topic == topic), None),
        }
        for topic in TOPICS
    ]
    newest_first = sorted(records, key=lambda r: (r.announced, r.effective), reverse=True)
    feeds = [("all", "All documents")] + [(t, TOPIC_TITLES[t]) for t in TOPICS]
    feeds += [(part.feed_name, part.title) for part in site_parts(data.site)]
    return {
        "documents": documents,
        "badges": home_badges(data, today),
        "latest": newest_first[:LATEST_CHANGES],
        "more_changes": len(newest_first) > LATEST_CHANGES,
        "feeds": [
            (feed_path(name, "atom"), feed_path(name, "rss"), title) for name, title in feeds
        ],
        "exports": EXPORTS,
        "topics": TOPICS,
        "signing_fingerprint": fingerprint(data.site.signing_key)
        if data.site.signing_key
        else None,
    }


def _record_of(
    records: Sequence[ChangeRecord], topic: str, version: object | None
) -> ChangeRecord | None:
    if version is None:
        return None
    label = version.version  # type: ignore[attr-defined]
    return next((r for r in records if r.id == f"{topic}/{label}"), None)


# --- everything else the build writes ------------------------------------------------------


def site_outputs(
    data: TrustData,
    today: dt.date,
    records: Sequence[ChangeRecord] | None = None,
    *,
    pdfs: bool = True,
) -> dict[str, bytes]:
    """Feeds, changes.json, service.json, exports and the DPA PDFs.

    The MkDocs plugin passes `pdfs=False` and gets the PDFs from generator.outputs.pdf_jobs,
    which caches them and renders them beside the page build.
    """
    if records is None:
        records = build_changes(data, today)
    outputs: dict[str, bytes] = {"changes.json": changes_json(data, records, today)}
    outputs[SERVICE_JSON] = service_json(data, today)
    outputs.update(build_feeds(data, records))
    outputs["feeds/sitemap.xml"] = build_feed_sitemap(data.site)
    outputs.update(build_exports(data, today, records))
    outputs.update(register_outputs(data, today))
    outputs.update(security_outputs(data, today))
    outputs.update(history_outputs(data, today, signer_from_environment(data.site.signing_key)))
    outputs.update(picture_outputs(data, today))
    if pdfs:
        from generator.outputs.pdf import dpa_pdfs

        outputs.update(dpa_pdfs(data, today))
    return outputs
