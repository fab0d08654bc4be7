"""The build date: what is current or upcoming depends on it, so it must be fixable."""

from __future__ import annotations

import datetime as dt
import os

from generator import contract


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


# `1 June 2025`: the contract's, so the site and the service's mails write dates alike.
long_date = contract.long_date
