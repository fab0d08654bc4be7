"""Notice is counted from when clients can see a version: `check --base` and `--published`.

`trustsite check` alone measures the notice period from `announced`, which the editor
writes. A version merged days after the date written there was invisible to clients
until then: a sub-processor change `announced` ten days ago and effective thirty days
after that gives clients twenty. So for every version that is new since the base revision
or the published site, the notice counts from the later of `announced` and today, and a
version whose effective date comes too soon is refused with the earliest allowed date;
an `announced` date in the past is a warning on its own (docs/data-format.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from generator.contract import TOPICS
from generator.history.immutability import Entry, issue_at
from generator.load.errors import DataError, Issue
from generator.load.yamlsafe import load_yaml

Key = tuple[str, str]


def notice_days(data_dir: Path) -> int | None:
    """`notice_period_days` of site.yaml, or None when it cannot be read (check says why)."""
    try:
        raw, _ = load_yaml(data_dir / "site.yaml")
    except (DataError, OSError):
        return None
    days = raw.get("notice_period_days") if isinstance(raw, dict) else None
    return days if isinstance(days, int) and not isinstance(days, bool) and days >= 0 else None


def notice_findings(
    published: Mapping[Key, Entry],
    after: Mapping[Key, Entry],
    today: dt.date,
    days: int | None,
    where: str,
) -> tuple[list[Issue], list[Issue]]:
    """(errors, warnings) for the versions of `after` that `published` does not hold."""
    errors: list[Issue] = []
    warnings: list[Issue] = []
    for key, entry in sorted(after.items()):
        if key in published or entry.topic not in TOPICS or entry.effective is None:
            continue
        if entry.announced < today:
            warnings.append(
                issue_at(
                    entry,
                    ("announced",),
                    f"warning: announced: {entry.announced} is in the past, but clients see "
                    f"this version only once it is published (it is not {where}); notice "
                    f"counts from today ({today}): write the day it will be merged",
                )
            )
        if days is None or entry.editorial or _first_of_topic(entry, after):
            continue
        seen = max(entry.announced, today)
        earliest = seen + dt.timedelta(days=days)
        if entry.effective < earliest:
            given = max((entry.effective - seen).days, 0)
            errors.append(
                issue_at(
                    entry,
                    ("effective",),
                    f"{entry.effective} gives clients only {given} days' notice: they see "
                    f"this version from {seen}, when it is published, not from announced "
                    f"({entry.announced}); notice_period_days in site.yaml asks for {days}, "
                    f"so the earliest allowed date is {earliest}",
                )
            )
    return errors, warnings


def _first_of_topic(entry: Entry, after: Mapping[Key, Entry]) -> bool:
    """A topic's first version changes nothing already published: it needs no notice."""
    effective = entry.effective
    assert effective is not None
    return all(
        effective <= e.effective
        for e in after.values()
        if e.topic == entry.topic and e.effective is not None
    )
