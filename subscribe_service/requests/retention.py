"""Deleting requests after `request_retention_days` (data/site.yaml), without anyone asking.

`purge_expired` is registered as a housekeeping chore of the polling sender (the one
process that always runs), which calls it about once an hour; `flask --app
subscribe_service requests purge` runs it at once, e.g. from a daily cron job where the
sender runs only as `send --once`.
"""

from __future__ import annotations

import logging

from flask import Flask

from subscribe_service.infra.db import session_scope
from subscribe_service.requests import records
from subscribe_service.requests.settings import NotConfigured, get_settings

log = logging.getLogger("subscribe_service.requests")


def purge_expired(app: Flask) -> records.Purged:
    """Delete every request older than the retention period, with the mails about it."""
    site = get_settings(app).require_site()
    with session_scope(app) as session:
        purged = records.purge(session, site.request_retention_days)
    if purged.dpa or purged.subject or purged.mails:
        log.info("requests retention (%d days): %s", site.request_retention_days, purged)
    return purged


def purge_chore(app: Flask) -> None:
    """The sender's hourly chore: like `purge_expired`, but a site not built yet only logs."""
    try:
        purge_expired(app)
    except NotConfigured as err:
        log.warning("requests are not purged: %s", err)
