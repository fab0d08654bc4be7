"""A subscriber's own data: export everything we hold, or erase it.

Other parts that store personal data about a subscriber (objections) have create_app
register a section of the export and a hook that erases it (the registry's
`export_sections` and `erase_hooks`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from subscribe_service.identity.addresses import address_key
from subscribe_service.infra.models import Notice, OutboxMessage, Subscriber
from subscribe_service.registry import get_registry


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export_data(session: Session, subscriber: Subscriber) -> dict[str, Any]:
    """Everything stored about this subscriber, as plain JSON-ready data."""
    mails = session.execute(
        select(OutboxMessage, Notice.change_id)
        .outerjoin(Notice, Notice.id == OutboxMessage.notice_id)
        .where(OutboxMessage.subscriber_id == subscriber.id)
        .order_by(OutboxMessage.id)
    ).all()
    data: dict[str, Any] = {
        "format": "trustsite-subscriber-export/1",
        "subscriber": {
            "email": subscriber.email,
            "status": subscriber.status,
            "topics": subscriber.topic_names,
            "products": subscriber.product_ids,  # null: every product
            "regions": subscriber.region_ids,  # null: every region
            "created_at": _iso(subscriber.created_at),
            "consent_at": _iso(subscriber.consent_at),
            "consent_source": subscriber.consent_source,
            "consent_text": subscriber.consent_text,
            "confirmed_at": _iso(subscriber.confirmed_at),
            "unsubscribed_at": _iso(subscriber.unsubscribed_at),
            "suppressed_at": _iso(subscriber.suppressed_at),
        },
        "mails": [
            {
                "kind": mail.kind,
                "change_id": change_id,
                "status": mail.status,
                "queued_at": _iso(mail.created_at),
                "sent_at": _iso(mail.sent_at),
                "message_id": mail.message_id,
            }
            for mail, change_id in mails
        ],
    }
    for name, section in get_registry().export_sections.items():
        data[name] = section(session, subscriber)
    return data


def erase(session: Session, subscriber: Subscriber) -> None:
    """Delete the subscriber, their topics and every outbox row that carries their
    address, now: their mail history, mails queued to them in any letter case, and
    mails about them to others (the privacy team's objection alerts hold the address
    and the reason; one not sent yet is not sent: the objection is erased with it)."""
    for hook in get_registry().erase_hooks:
        hook(session, subscriber)
    key = address_key(subscriber.email)
    about = OutboxMessage.payload["subscriber_email"].as_string()
    session.execute(
        delete(OutboxMessage)
        .where(
            or_(
                OutboxMessage.subscriber_id == subscriber.id,
                func.lower(OutboxMessage.recipient) == key,
                func.lower(about) == key,
            )
        )
        .execution_options(synchronize_session=False)
    )
    session.delete(subscriber)
    session.commit()
