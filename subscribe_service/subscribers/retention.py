"""Keep only what is needed: forget addresses that never confirmed, and old request rows.

Run by the polling sender as a housekeeping chore (about hourly). An address that was
entered but never confirmed is deleted after PENDING_RETENTION_DAYS, with its mails; so
are outbox rows that never belonged to a subscriber (requests for a preferences link
from unknown addresses) once they are settled.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import Flask
from sqlalchemy import delete, select

from subscribe_service.infra.db import session_scope
from subscribe_service.infra.models import (
    OutboxMessage,
    OutboxStatus,
    Subscriber,
    SubscriberStatus,
    utcnow,
)

log = logging.getLogger("subscribe_service.subscribers.retention")
SETTLED = (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.BOUNCED, OutboxStatus.CANCELLED)


def purge_stale(app: Flask) -> tuple[int, int]:
    """Delete stale pending subscribers and settled orphan mails; returns both counts."""
    cutoff = utcnow() - dt.timedelta(days=float(app.config["PENDING_RETENTION_DAYS"]))
    with session_scope(app) as session:
        stale = list(
            session.scalars(
                select(Subscriber.id).where(
                    Subscriber.status == SubscriberStatus.PENDING, Subscriber.created_at < cutoff
                )
            )
        )
        if stale:
            session.execute(delete(OutboxMessage).where(OutboxMessage.subscriber_id.in_(stale)))
            session.execute(delete(Subscriber).where(Subscriber.id.in_(stale)))
        orphans = session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.subscriber_id.is_(None),
                OutboxMessage.notice_id.is_(None),
                OutboxMessage.status.in_(SETTLED),
                OutboxMessage.created_at < cutoff,
            )
        ).rowcount  # type: ignore[attr-defined]
    if stale or orphans:
        log.info(
            "retention: %d unconfirmed address(es), %d orphan mail(s) deleted", len(stale), orphans
        )
    return len(stale), int(orphans or 0)
