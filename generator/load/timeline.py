"""Where every version of every topic stands on the build date.

The sub-processor list is stored as a sequence of changes; `subprocessor_versions` folds
them into whole lists. Text documents are stored whole. Either way a topic becomes an
ordered run of versions, and the build date decides which are drafts (not published),
upcoming, current or past (docs/data-format.md, "Dates and status").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from generator import contract
from generator.contract import TEXT_TOPICS, Status
from generator.load.model import (
    Subprocessor,
    SubprocessorChange,
    SubprocessorVersion,
    TextVersionDoc,
    TrustData,
)

Version = TextVersionDoc | SubprocessorVersion


def apply_change(
    entries: dict[str, Subprocessor], change: SubprocessorChange
) -> dict[str, Subprocessor]:
    """The list (by id) after one change: removals, then field changes, then additions.

    Unknown ids are skipped rather than raised: `load_data` has already reported them to
    the editor, and the pure functions downstream must not fail on data it accepted.
    """
    result = {i: e for i, e in entries.items() if i not in set(change.remove)}
    for entry_id, patch in change.change.items():
        if entry_id in result:
            result[entry_id] = result[entry_id].model_copy(update=patch.fields())
    for entry in change.add:
        result[entry.id] = entry
    return result


def subprocessor_versions(changes: Sequence[SubprocessorChange]) -> list[SubprocessorVersion]:
    """Every whole list, one per change, oldest first (changes apply in effective order)."""
    versions: list[SubprocessorVersion] = []
    entries: dict[str, Subprocessor] = {}
    for change in sorted(changes, key=lambda c: c.effective):
        entries = apply_change(entries, change)
        ordered = tuple(entries[i] for i in sorted(entries))
        versions.append(SubprocessorVersion(change=change, entries=ordered))
    return versions


def status_of(
    announced: dt.date, effective: dt.date, next_effective: dt.date | None, today: dt.date
) -> Status:
    """A version's status on `today`, given when the next published version takes effect."""
    if announced > today:
        return Status.draft
    if effective > today:
        return Status.upcoming
    if next_effective is not None and next_effective <= today:
        return Status.past
    return Status.current


def dates_of(version: Version) -> tuple[dt.date, dt.date]:
    """(announced, effective) of either kind of version."""
    source = version.change if isinstance(version, SubprocessorVersion) else version
    return source.announced, source.effective


def all_versions(data: TrustData, topic: str) -> list[Version]:
    """Every version of a topic, drafts included, oldest first."""
    if topic in TEXT_TOPICS:
        return sorted(data.texts.get(topic, ()), key=lambda d: d.sort_key)
    if topic == "subprocessors":
        return list(subprocessor_versions(data.subprocessor_changes))
    raise ValueError(f"unknown topic {topic!r}")


@dataclass(frozen=True)
class TopicTimeline:
    """One topic on one build date."""

    topic: str
    published: tuple[Version, ...]  # oldest first, drafts excluded
    statuses: dict[str, Status]  # version -> status, published versions only
    current: Version | None
    upcoming: tuple[Version, ...]  # oldest first
    today: dt.date | None = None

    @property
    def dated(self) -> list[tuple[str, dt.date]]:
        """(version, effective date) of the published versions, what the contract's date
        functions read."""
        return [(v.version, dates_of(v)[1]) for v in self.published]

    def in_force_on(self, day: dt.date) -> str | None:
        """The version in force on `day` (the contract's one rule)."""
        return contract.in_force_on(self.dated, day)

    def in_force_before(self, version: str) -> list[contract.InForcePeriod]:
        """What is in force from the build date until `version` takes effect: empty unless
        it is still to come. "2.0 until 14 December, then 2.1 until 20 January"."""
        if self.today is None:
            return []
        effective = dict(self.dated)[version]
        return contract.in_force_between(
            self.dated, self.today, effective - dt.timedelta(days=1)
        )

    def previous(self, version: str) -> Version | None:
        """The published version before `version`, or None for the first one."""
        labels = [v.version for v in self.published]
        index = labels.index(version)
        return self.published[index - 1] if index > 0 else None


def published_status(
    label: str, effective: dt.date, in_force: str | None, today: dt.date
) -> Status:
    """A published version's status, given the version in force on `today`."""
    if label == in_force:
        return Status.current
    return Status.upcoming if effective > today else Status.past


def timeline(data: TrustData, topic: str, today: dt.date) -> TopicTimeline:
    """The topic on `today`: which version is in force comes from the contract's one rule
    (`contract.in_force_on`); the versions after it are upcoming, those before it past."""
    published = tuple(v for v in all_versions(data, topic) if dates_of(v)[0] <= today)
    dated = [(v.version, dates_of(v)[1]) for v in published]
    in_force = contract.in_force_on(dated, today)
    statuses = {label: published_status(label, e, in_force, today) for label, e in dated}
    current = next((v for v in published if v.version == in_force), None)
    upcoming = tuple(v for v in published if statuses[v.version] is Status.upcoming)
    return TopicTimeline(topic, published, statuses, current, upcoming, today)
