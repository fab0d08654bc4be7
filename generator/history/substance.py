"""Which change a reader must see first: the latest change in substance, not a wording fix.

An editorial version (wording only) can follow the version that changed what the parties
must do. Pages and feed entries about an editorial version lead with that substantive
change (its summary and its "what changed" link) and list the wording fixes after it, so
a typo fix never hides a new breach deadline one page further.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from generator.history.changes import ChangeRecord


@dataclass(frozen=True)
class Substance:
    """For an editorial version: the change in substance it follows, and the wording-only
    versions since then up to and including this one, oldest first."""

    substantive: ChangeRecord
    wording_since: tuple[ChangeRecord, ...]


def substance_of(by_id: Mapping[str, ChangeRecord], record: ChangeRecord) -> Substance | None:
    """None unless `record` is editorial and a published substantive version precedes it."""
    if not record.editorial:
        return None
    wording = [record]
    current = record
    while current.previous_version is not None:
        previous = by_id.get(f"{current.topic}/{current.previous_version}")
        if previous is None:
            return None
        if not previous.editorial:
            return Substance(previous, tuple(reversed(wording)))
        wording.append(previous)
        current = previous
    return None
