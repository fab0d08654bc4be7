"""Periodic chores the polling sender runs (about once per HOUSEKEEPING_SECONDS).

The chores are registered in create_app (the registry's `chores`): the purge of stale
pending subscriptions, the requests' retention purges. The polling sender is the one
process that always runs, so it runs them.
"""

from __future__ import annotations

import logging

from flask import Flask

from subscribe_service.registry import get_registry

log = logging.getLogger("subscribe_service.mail.sender")


def run_housekeeping(app: Flask) -> None:
    for chore in get_registry(app).chores:
        try:
            with app.app_context():
                chore(app)
        except Exception:  # one failing chore must not stop the sending
            log.exception("housekeeping %s failed", getattr(chore, "__name__", chore))
