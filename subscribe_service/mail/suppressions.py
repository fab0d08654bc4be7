"""Addresses never mailed again: a hard bounce suppresses the address (in any letter
case) and marks its subscriber; the composer cancels every mail to it."""

from __future__ import annotations

from sqlalchemy import String, func, select
from sqlalchemy.orm import Session

from subscribe_service.identity.addresses import address_key
from subscribe_service.infra.db import one_of
from subscribe_service.infra.models import Suppression, utcnow

REPLY_MAX = 1000


def suppress(session: Session, email: str, reason: str) -> None:
    from subscribe_service.infra.models import Subscriber

    key = address_key(email)
    if not session.scalar(select(func.count()).where(func.lower(Suppression.email) == key)):
        session.add(Suppression(email=key, reason=reason[:REPLY_MAX]))
    subscriber = session.scalar(select(Subscriber).where(func.lower(Subscriber.email) == key))
    if subscriber is not None and subscriber.suppressed_at is None:
        subscriber.suppressed_at = utcnow()
    session.flush()


def suppressed_among(session: Session, emails: list[str]) -> set[str]:
    """The `address_key`s of those `emails` that are suppressed (one query for a batch);
    rows recorded in another letter case count too."""
    if not emails:
        return set()
    keys = {address_key(email) for email in emails}
    postgresql = session.get_bind().dialect.name == "postgresql"
    return set(session.scalars(_SUPPRESSED[postgresql], {"keys": list(keys)}))


# The suppressed address keys among :keys, by dialect ({postgresql: statement}).
_SUPPRESSED = {
    postgresql: select(func.lower(Suppression.email)).where(
        one_of(func.lower(Suppression.email), "keys", postgresql, String())
    )
    for postgresql in (False, True)
}
