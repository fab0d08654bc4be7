"""Recording objections to changes, and the subscriber's rights over them.

An objection is one row per subscriber and change. Posting again updates the reason and
keeps the first arrival time, which is what counts against the deadline. Each post
queues a receipt to the subscriber and a copy to the privacy team in the same
transaction as the row, so neither can be lost nor sent for an objection not recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from subscribe_service.infra.models import Notice, Subscriber, utcnow
from subscribe_service.mail import outbox
from subscribe_service.notices.models import REASON_MAX, Objection
from subscribe_service.notices.render import ALERT_KIND, RECEIPT_KIND, notice_site


class ReasonTooLong(ValueError):
    pass


@dataclass(frozen=True)
class Recorded:
    objection: Objection
    updated: bool  # an earlier objection to the same change was updated


def clean_reason(value: object) -> str:
    """The reason as typed, line endings normalised; too long is an error, not a cut."""
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > REASON_MAX:
        raise ReasonTooLong(
            f"The reason is {len(text)} characters long; please keep it under {REASON_MAX}."
        )
    return text


def find_objection(session: Session, subscriber: Subscriber, notice: Notice) -> Objection | None:
    return session.scalar(
        select(Objection).where(
            Objection.subscriber_id == subscriber.id, Objection.notice_id == notice.id
        )
    )


def record_objection(
    session: Session, subscriber: Subscriber, notice: Notice, reason: str
) -> Recorded:
    """Insert or update the objection, queue the receipt and the privacy team's copy, commit."""
    for _attempt in range(2):
        try:
            recorded = _record_once(session, subscriber, notice, reason)
            session.commit()
            return recorded
        except IntegrityError:  # the same objection posted twice at once: update the winner
            session.rollback()
    raise RuntimeError("could not record the objection")


def _record_once(session: Session, subscriber: Subscriber, notice: Notice, reason: str) -> Recorded:
    now = utcnow()
    objection = find_objection(session, subscriber, notice)
    updated = objection is not None
    if objection is None:
        objection = Objection(
            subscriber_id=subscriber.id, notice_id=notice.id, objected_at=now, updated_at=now
        )
        session.add(objection)
    objection.reason = reason
    objection.updated_at = now
    session.flush()
    session.refresh(objection, ["notice", "subscriber"])
    site = notice_site(notice)
    snapshot: dict[str, Any] = {
        "objection_id": objection.id,
        "notice_id": notice.id,
        "subscriber_email": subscriber.email,
        "reason": reason,
        "first_received_at": objection.objected_at.isoformat(),
        "received_at": now.isoformat(),
        "on_time": objection.on_time,
        "updated": updated,
    }
    outbox.enqueue(
        session,
        kind=RECEIPT_KIND,
        recipient=subscriber.email,
        payload=snapshot,
        subscriber_id=subscriber.id,
    )
    if site.get("privacy_contact"):
        outbox.enqueue(
            session, kind=ALERT_KIND, recipient=site["privacy_contact"], payload=snapshot
        )
    return Recorded(objection, updated)


def export_objections(session: Session, subscriber: Subscriber) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Objection, Notice.change_id)
        .join(Notice, Notice.id == Objection.notice_id)
        .where(Objection.subscriber_id == subscriber.id)
        .order_by(Objection.objected_at)
    ).all()
    return [
        {
            "change_id": change_id,
            "reason": objection.reason,
            "objected_at": objection.objected_at.isoformat(),
            "updated_at": objection.updated_at.isoformat(),
            "on_time": objection.on_time,
        }
        for objection, change_id in rows
    ]


def erase_objections(session: Session, subscriber: Subscriber) -> None:
    session.execute(delete(Objection).where(Objection.subscriber_id == subscriber.id))
