"""The build date: what is current or upcoming depends on it, so it must be fixable."""

from __future__ import annotations

import datetime as dt
import os


def resolve_today(today: dt.date | str | None = None) -> dt.date:
    """`today` if given, else `SOURCE_DATE_EPOCH` (reproducible builds), else the UTC date."""
    if isinstance(today, dt.date):
        return today
    if today:
        return dt.date.fromisoformat(today)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.datetime.now(tz=dt.UTC).date()


# Month names spelt out here, not by strftime's %B, which follows the machine's locale.
_MONTHS = [
    *["January", "February", "March", "April", "May", "June"],
    *["July", "August", "September", "October", "November", "December"],
]


def long_date(day: dt.date) -> str:
    """`1 June 2025`: unambiguous for readers on both sides of the Atlantic."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
