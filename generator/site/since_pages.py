""" "Everything that changed since version X", and the history page of each sub-processor.

- `/<topic>/since/<version>/` for every past version of a text document: one redline from
  that version to the current one, each section saying in which versions it changed.
- `/subprocessors/since/<version>/` for every past version of the list: the entries added,
  removed and changed from that list to the current one, and the ones that came and went
  in between, each with the dates of its changes.
- `/subprocessors/entries/<id>/`: every change to one entry, with dates.

Only past versions get a since page: the current version has nothing to compare with,
and an upcoming one is compared with the version before it on its own redline.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from markupsafe import Markup

from generator.contract import FIELD_LABELS, TOPIC_TITLES, Status
from generator.history.changes import ChangeRecord
from generator.history.diff import TextDiff
from generator.history.entry_history import (
    EntryEvent,
    EntryHistory,
    SinceEntry,
    entry_histories,
    list_since,
)
from generator.history.redline import redline_inline_html
from generator.history.urls import entry_path, since_path
from generator.load.model import SubprocessorVersion, TextVersionDoc
from generator.load.timeline import TopicTimeline
from generator.site.page_context import (
    AddPage,
    field_value,
    relative_url,
    time_tag,
    version_context,
)
from generator.site.rendered_redline import rendered_sections


def add_text_since(add: AddPage, line: TopicTimeline, by_id: dict[str, ChangeRecord]) -> None:
    current = line.current
    if current is None:
        return
    assert isinstance(current, TextVersionDoc)
    labels = [v.version for v in line.published]
    for old in line.published:
        if line.statuses[old.version] is not Status.past:
            continue
        assert isinstance(old, TextVersionDoc)
        between = line.published[labels.index(old.version) + 1 : labels.index(current.version) + 1]
        records = [by_id[f"{line.topic}/{v.version}"] for v in between]
        add(
            f"{since_path(line.topic, old.version)}index.md",
            "since_text.md.j2",
            topic=line.topic,
            title=TOPIC_TITLES[line.topic],
            old=old,
            new=current,
            old_record=by_id[f"{line.topic}/{old.version}"],
            new_record=by_id[f"{line.topic}/{current.version}"],
            records=records,
            changed_in=_changed_in(records),
            title_redline=redline_inline_html(old.title, current.title),
            sections=rendered_sections(old, current),
        )


def _changed_in(records: Sequence[ChangeRecord]) -> dict[str, list[ChangeRecord]]:
    """Section id -> the versions (in between) whose change touched it."""
    result: dict[str, list[ChangeRecord]] = {}
    for record in records:
        if isinstance(record.diff, TextDiff):
            for section in record.diff.sections:
                result.setdefault(section.id, []).append(record)
    return result


def subprocessor_histories(line: TopicTimeline) -> dict[str, EntryHistory]:
    versions = [v for v in line.published if isinstance(v, SubprocessorVersion)]
    return entry_histories(versions, line.statuses)


def add_subprocessor_since(
    add: AddPage,
    line: TopicTimeline,
    by_id: dict[str, ChangeRecord],
    histories: dict[str, EntryHistory],
) -> None:
    current = line.current
    if current is None:
        return
    assert isinstance(current, SubprocessorVersion)
    rows = _SinceRows()
    for old in line.published:
        if line.statuses[old.version] is not Status.past:
            continue
        assert isinstance(old, SubprocessorVersion)
        start, end = old.change.effective, current.change.effective
        records = [
            by_id[f"subprocessors/{v.version}"]
            for v in line.published
            if start < by_id[f"subprocessors/{v.version}"].effective <= end
        ]
        add(
            f"{since_path('subprocessors', old.version)}index.md",
            "since_subprocessors.md.j2",
            old=version_context(line, by_id, old, None),
            new=version_context(line, by_id, current, None),
            records=records,
            since=list_since(old, current, histories),
            since_rows=rows,
        )


class _SinceRows:
    """Table rows of entries added or removed since a version, built here rather than in
    Jinja: an entry added in one change is a row on the since page of every version
    before it, so rows are memoised (by entry and by the events the row shows)."""

    def __init__(self) -> None:
        self.memo: dict[tuple[str, tuple[int, ...]], str] = {}

    def __call__(self, entries: Sequence[SinceEntry]) -> Markup:
        return Markup("\n".join(self.row(s) for s in entries))

    def events(self, events: Sequence[EntryEvent]) -> Markup:
        return Markup(_events_html(events))

    def row(self, since: SinceEntry) -> str:
        key = (since.history.id, tuple(id(e) for e in since.events))
        if key not in self.memo:
            entry = since.history.entry
            where = field_value("processing_locations", entry.processing_locations)
            cells = (
                f'<th scope="row"><a href="../../entries/{since.history.id}/">'
                f"{html.escape(entry.entity, quote=False)}</a></th>",
                f"<td>{html.escape(entry.purpose, quote=False)}</td>",
                f"<td>{html.escape(where, quote=False)}</td>",
                f"<td>{_events_html(since.events)}</td>",
            )
            self.memo[key] = "<tr>" + "".join(cells) + "</tr>"
        return self.memo[key]


def _events_html(events: Sequence[EntryEvent]) -> str:
    """One event as a line (most entries), several as a list."""
    lines = []
    for event in events:
        line = f"{event.kind.capitalize()} {time_tag(event.effective)}"
        if event.kind == "changed":
            line += ": " + ", ".join(FIELD_LABELS[f.field].lower() for f in event.fields)
        lines.append(line)
    if len(lines) == 1:
        return lines[0]
    items = "\n".join(f"<li>{line}</li>" for line in lines)
    return f'<ul class="ts-events">\n{items}\n</ul>'


def add_entry_pages(add: AddPage, histories: dict[str, EntryHistory]) -> None:
    for entry_id, history in histories.items():
        add(f"{entry_path(entry_id)}index.md", "subprocessor_entry.md.j2", h=history)


def entry_link(history: EntryHistory | None, prefix: str, *, listed: bool) -> str:
    """What a row of the current list shows under the entity: since when it is on the
    list (`listed`: a row of the list itself, not of an announced change) and a link to
    its history. `prefix` is the relative link to `subprocessors/entries/` from the page."""
    if history is None:
        return ""
    since = history.on_list_since if listed else None
    name = html.escape(history.entry.entity, quote=False)
    link = f'<a href="{prefix}{history.id}/">History<span class="ts-sr-only"> of {name}</span></a>'
    if since is None:
        return f'<span class="ts-entry-meta">{link}</span>'
    return f'<span class="ts-entry-meta">On the list since {time_tag(since)} · {link}</span>'


def entries_prefix(here: str) -> str:
    return relative_url(here, "subprocessors/entries/")
