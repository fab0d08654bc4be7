"""The history of each sub-processor entry, and everything that changed in the list since
one version: derived from the published versions of the list, never written by hand.

An entry's history is every published change that touched it, oldest first: when it was
added, which fields changed (old and new value), when it was removed, and again when it
came back. `list_since` answers "what changed since the list I agreed to": the entries
added, removed and changed between that version and the current one, plus the ones that
came and went in between, each with the dates from its history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Literal

from generator.contract import SUBPROCESSOR_FIELDS, Status
from generator.history.diff import FieldChange, diff_lists
from generator.load.model import Subprocessor, SubprocessorVersion

EventKind = Literal["added", "changed", "removed"]


@dataclass(frozen=True)
class EntryEvent:
    kind: EventKind
    version: str  # the list version (effective date) that made the change
    announced: dt.date
    effective: dt.date
    status: Status  # of that list version on the build date
    fields: tuple[FieldChange, ...] = ()  # for "changed"


@dataclass(frozen=True)
class EntryHistory:
    id: str
    entry: Subprocessor  # as it is now, or as it was when last on the list
    events: tuple[EntryEvent, ...]  # oldest first

    @property
    def on_list_since(self) -> dt.date | None:
        """When the entry's current stay on the list began (None if it is not on it)."""
        return self.listed_since(None)

    def listed_since(self, as_of: dt.date | None) -> dt.date | None:
        """When the stay on the list that includes `as_of` began (None: not listed then);
        as_of None is the current list (effective changes only)."""
        since = None
        for event in self.events:
            if as_of is not None and event.effective > as_of:
                break
            if as_of is None and event.status is Status.upcoming:
                break
            since = event.effective if event.kind == "added" else since
            since = None if event.kind == "removed" else since
        return since


def entry_histories(
    versions: Sequence[SubprocessorVersion], statuses: dict[str, Status]
) -> dict[str, EntryHistory]:
    """id -> history, over the published versions of the list (oldest first)."""
    events: dict[str, list[EntryEvent]] = {}
    latest: dict[str, Subprocessor] = {}
    before: dict[str, Subprocessor] = {}
    for version in versions:
        after = {e.id: e for e in version.entries}
        change = version.change
        status = statuses.get(version.version, Status.past)

        dates = (version.version, change.announced, change.effective, status)
        event = partial(_event, dates)

        for entry_id in sorted(after.keys() - before.keys()):
            events.setdefault(entry_id, []).append(event("added"))
        for entry_id in sorted(before.keys() - after.keys()):
            events.setdefault(entry_id, []).append(event("removed"))
        for entry_id in sorted(after.keys() & before.keys()):
            old, new = before[entry_id], after[entry_id]
            if old is new or old == new:
                continue
            fields = tuple(
                FieldChange(name, getattr(old, name), getattr(new, name))
                for name in SUBPROCESSOR_FIELDS
                if getattr(old, name) != getattr(new, name)
            )
            events.setdefault(entry_id, []).append(event("changed", fields))
        latest.update(after)
        before = after
    return {i: EntryHistory(i, latest[i], tuple(events[i])) for i in sorted(events)}


def _event(
    dates: tuple[str, dt.date, dt.date, Status],
    kind: EventKind,
    fields: tuple[FieldChange, ...] = (),
) -> EntryEvent:
    return EntryEvent(kind, *dates, fields=fields)


@dataclass(frozen=True)
class SinceEntry:
    """One entry in "changed since version X": how it differs, and the events in between."""

    history: EntryHistory
    fields: tuple[FieldChange, ...]  # old (at X) -> new (now), for "changed"
    events: tuple[EntryEvent, ...]  # the events after X up to the current version


@dataclass(frozen=True)
class ListSince:
    added: tuple[SinceEntry, ...]
    removed: tuple[SinceEntry, ...]
    changed: tuple[SinceEntry, ...]
    came_and_went: tuple[SinceEntry, ...]  # added after X and removed again before now

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.came_and_went)


def list_since(
    old: SubprocessorVersion,
    current: SubprocessorVersion,
    histories: dict[str, EntryHistory],
) -> ListSince:
    """Everything that changed in the list from version `old` to version `current`."""
    diff = diff_lists(old.entries, current.entries)
    start, end = old.change.effective, current.change.effective

    def since(entry_id: str, fields: tuple[FieldChange, ...] = ()) -> SinceEntry:
        history = histories[entry_id]
        between = tuple(e for e in history.events if start < e.effective <= end)
        return SinceEntry(history, fields, between)

    listed = {e.id for e in diff.added} | {e.id for e in diff.removed}
    listed |= {c.id for c in diff.changed}
    old_ids = {e.id for e in old.entries}
    present = old_ids | {e.id for e in current.entries}
    came_and_went = [
        since(entry_id)
        for entry_id in sorted(histories)
        if entry_id not in present
        and any(start < e.effective <= end for e in histories[entry_id].events)
    ]
    # An entry present at both ends with the same fields may still have been removed and
    # added back, or changed and changed back: shown with the events in between.
    round_trips = [
        since(e.id)
        for e in current.entries
        if e.id not in listed
        and e.id in old_ids
        and any(start < ev.effective <= end for ev in histories[e.id].events)
    ]
    return ListSince(
        added=tuple(since(e.id) for e in diff.added),
        removed=tuple(since(e.id) for e in diff.removed),
        changed=tuple(since(c.id, c.fields) for c in diff.changed) + tuple(round_trips),
        came_and_went=tuple(came_and_went),
    )
