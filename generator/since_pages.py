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

import datetime as dt
import html
from collections.abc import Sequence

from generator.changes import ChangeRecord
from generator.diff import TextDiff
from generator.entry_history import EntryHistory, entry_histories, list_since
from generator.model import TOPIC_TITLES, Status, SubprocessorVersion, TextVersionDoc
from generator.page_context import AddPage, relative_url, time_tag, version_context
from generator.redline import redline_inline_html
from generator.rendered_redline import rendered_sections
from generator.timeline import TopicTimeline
from generator.urls import entry_path, since_path


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
        )


def add_entry_pages(add: AddPage, histories: dict[str, EntryHistory]) -> None:
    for entry_id, history in histories.items():
        add(f"{entry_path(entry_id)}index.md", "subprocessor_entry.md.j2", h=history)


def entry_link(history: EntryHistory | None, prefix: str, as_of: dt.date | None) -> str:
    """What a row of the list shows under the entity: since when it is on the list (in
    the list as of `as_of`, None for a change's table) and a link to its history.
    `prefix` is the relative link to `subprocessors/entries/` from the page."""
    if history is None:
        return ""
    since = history.listed_since(as_of) if as_of is not None else None
    name = html.escape(history.entry.entity, quote=False)
    link = f'<a href="{prefix}{history.id}/">History<span class="ts-sr-only"> of {name}</span></a>'
    if since is None:
        return f'<span class="ts-entry-meta">{link}</span>'
    return f'<span class="ts-entry-meta">On the list since {time_tag(since)} · {link}</span>'


def entries_prefix(here: str) -> str:
    return relative_url(here, "subprocessors/entries/")
