"""Which version is in force on a day, and the objection deadline: one rule for the site,
the feeds, the mails and changes.json.

Part of generator.contract: import its names from `generator.contract`."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from functools import cache
from typing import Annotated

from pydantic import (
    AfterValidator,
    StringConstraints,
)

from generator.contract.base import (
    Text,
    _Record,
)

# --- dates: which version is in force, and the objection deadline ----------------------------
#
# Every date the site, its feeds, PDFs and changes.json and the service's mails state about
# what is in force or until when one may object comes from these functions, so the two
# halves cannot disagree (docs/data-format.md, "Dates and status").

# Month names spelt out here, not by strftime's %B, which follows the machine's locale.
_MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


def long_date(day: dt.date) -> str:
    """`1 June 2025`: unambiguous for readers on both sides of the Atlantic."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def in_force_on(versions: Sequence[tuple[str, dt.date]], day: dt.date) -> str | None:
    """The version in force on `day`: of the published versions, given as (label, effective
    date) oldest first, the one that took effect last on or before `day` (a later one of the
    same date wins). None before the first takes effect."""
    effective = [(e, i) for i, (_, e) in enumerate(versions) if e <= day]
    return versions[max(effective)[1]][0] if effective else None


class InForcePeriod(_Record):
    """A version in force from `since` to `until`, both days included."""

    version: Text
    since: dt.date
    until: dt.date


def in_force_between(
    versions: Sequence[tuple[str, dt.date]], start: dt.date, end: dt.date
) -> list[InForcePeriod]:
    """Each version in force on the days `start` to `end` (both included), in order: what
    applies between today and a pending version's effective date. Days on which nothing is
    in force yet are left out."""
    if end < start:
        return []
    points = sorted({start} | {e for _, e in versions if start < e <= end})
    periods: list[InForcePeriod] = []
    for index, day in enumerate(points):
        last = points[index + 1] - dt.timedelta(days=1) if index + 1 < len(points) else end
        label = in_force_on(versions, day)
        if label is None:
            continue
        if periods and periods[-1].version == label:
            periods[-1] = InForcePeriod(version=label, since=periods[-1].since, until=last)
        else:
            periods.append(InForcePeriod(version=label, since=day, until=last))
    return periods


def in_force_words(periods: Sequence[InForcePeriod], start: dt.date) -> str:
    """`version 2.0 until 14 December 2026, then version 2.1 until 20 January 2027`; when
    nothing is in force on `start` yet, the first period says when it begins (the others
    begin the day after the one before)."""
    parts = []
    for index, period in enumerate(periods):
        since = f" from {long_date(period.since)}" if index == 0 and period.since > start else ""
        parts.append(f"version {period.version}{since} until {long_date(period.until)}")
    return ", then ".join(parts)


def objection_deadline(
    announced: dt.date, effective: dt.date, editorial: bool
) -> dt.date | None:
    """The last day to object to a change (inclusive): the day before it takes effect. None
    when there is nothing to object to (editorial) or no day to object on (effective the day
    it is announced): a deadline before the announcement would be a broken promise."""
    last = effective - dt.timedelta(days=1)
    return None if editorial or last < announced else last


@cache
def _zone_names() -> frozenset[str]:
    # Only the names of the IANA database: never a folder of it ("Europe"), a file beside
    # the zones ("zone.tab") or the machine's own "localtime".
    return frozenset(zoneinfo.available_timezones()) - {"localtime", "posixrules", "Factory"}


def zone_of(name: str) -> dt.tzinfo:
    """The IANA time zone `name` (ValueError if there is none of that name)."""
    if name == "UTC":
        return dt.UTC
    if name in _zone_names():
        try:
            return zoneinfo.ZoneInfo(name)
        except (OSError, ValueError):  # listed, yet unreadable: said as below
            pass
    raise ValueError(
        f"'{name}' is not a time zone; write an IANA name such as Europe/Amsterdam or UTC"
    )


def _zone_name(name: str) -> str:
    zone_of(name)
    return name


# An IANA time zone name (`Europe/Amsterdam`), checked to exist.
TimeZoneName = Annotated[
    str, StringConstraints(min_length=1, max_length=64), AfterValidator(_zone_name)
]


def deadline_ends(deadline: dt.date, zone: str) -> dt.datetime:
    """The first instant after the deadline: midnight that ends its last day, in `zone`."""
    next_day = deadline + dt.timedelta(days=1)
    return dt.datetime.combine(next_day, dt.time(0), tzinfo=zone_of(zone))


def objection_on_time(deadline: dt.date | None, zone: str, at: dt.datetime) -> bool:
    """Whether an objection that arrived at `at` (an aware instant) is in time: through the
    whole last day in the company's zone. No deadline: always in time."""
    return deadline is None or at < deadline_ends(deadline, zone)


def deadline_words(deadline: dt.date, zone: str) -> str:
    """`the end of 20 January 2027 (Europe/Amsterdam time)`: the deadline, said one way."""
    where = "UTC" if zone == "UTC" else f"{zone} time"
    return f"the end of {long_date(deadline)} ({where})"


def objections_sentence(deadline: dt.date, zone: str) -> str:
    """The one sentence that states an objection deadline, on the site and in every mail."""
    return f"Objections are accepted until {deadline_words(deadline, zone)}."


