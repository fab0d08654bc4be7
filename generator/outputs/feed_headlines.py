"""What a feed entry is called, and when it was updated: both derived from the change.

A feed reader shows a list of titles; "Sub-processor list, effective 2025-07-01" says when
but not what. A headline names the change: for the list, the entities added, removed and
changed ("Adds Verbena Language Services GmbH"); for a text document, its title, version
and summary ("Data Processing Addendum 2.1: Breach notice within 48 hours").

The data knows the day a change was announced, not the hour. Feeds still need distinct
`updated` instants: the W3C Feed Validator warns when entries of one feed share one, and
feed readers use it to order and deduplicate. Each entry is stamped on its announcement
day at a fixed offset (one minute per topic, one second per earlier change of that topic
announced the same day), so the instant never changes once published and a change added
later never moves the instants of the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from generator.contract import FIELD_LABELS, TOPICS
from generator.history.changes import ChangeRecord
from generator.history.diff import ListDiff

# Past this many names a headline counts instead of naming them all.
MAX_NAMES = 3


def _names(names: Sequence[str]) -> str:
    if len(names) > MAX_NAMES:
        return f"{len(names)} sub-processors"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def list_headline(diff: ListDiff, first: bool) -> str:
    """`Adds A; removes B; changes C (transfer mechanism)`: the change of the list in words."""
    if first:
        return f"Publishes the list of {len(diff.added)} sub-processors"
    parts = []
    if diff.added:
        parts.append("adds " + _names([e.entity for e in diff.added]))
    if diff.removed:
        parts.append("removes " + _names([e.entity for e in diff.removed]))
    if diff.changed:
        if len(diff.changed) > MAX_NAMES:
            parts.append(f"changes {len(diff.changed)} sub-processors")
        else:
            for change in diff.changed:
                fields = ", ".join(FIELD_LABELS[f.field] for f in change.fields)
                parts.append(f"changes {change.entity} ({fields})")
    if not parts:
        return "Corrects the wording of the sub-processor list"
    headline = "; ".join(parts)
    return headline[0].upper() + headline[1:]


def headline(record: ChangeRecord) -> str:
    """The change in one line, without the editorial mark (generator.outputs.feeds adds it)."""
    if isinstance(record.diff, ListDiff):
        return list_headline(record.diff, first=record.previous_version is None)
    summary = record.summary.strip().rstrip(".")
    return f"{record.title}: {summary}" if summary else record.title


def updated_instants(records: Sequence[ChangeRecord]) -> dict[str, dt.datetime]:
    """Record id -> the instant its feed entries are published and updated (UTC)."""
    instants: dict[str, dt.datetime] = {}
    same_day: dict[tuple[dt.date, str], int] = {}
    ordered = sorted(records, key=lambda r: (r.announced, r.effective, r.id))
    for record in ordered:
        key = (record.announced, record.topic)
        rank = same_day.get(key, 0)
        same_day[key] = rank + 1
        topic_rank = TOPICS.index(record.topic) if record.topic in TOPICS else len(TOPICS)
        midnight = dt.datetime.combine(record.announced, dt.time(), tzinfo=dt.UTC)
        instants[record.id] = midnight + dt.timedelta(minutes=topic_rank, seconds=rank)
    return instants
