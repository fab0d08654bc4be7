"""An address's export and erasure cover the webhook endpoints it owns."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from subscribe_service.identity.addresses import address_key
from subscribe_service.infra.models import Subscriber
from subscribe_service.webhooks.models import WebhookDelivery, WebhookEndpoint
from subscribe_service.webhooks.pages import delete_endpoint


def _owned(session: Session, email: str) -> list[WebhookEndpoint]:
    key = address_key(email)
    query = select(WebhookEndpoint).where(func.lower(WebhookEndpoint.email) == key)
    return list(session.scalars(query.order_by(WebhookEndpoint.id)))


def export_endpoints(session: Session, subscriber: Subscriber) -> list[dict[str, Any]]:
    """The endpoints this address owns and what was posted to them (not their secrets:
    an export travels by mail)."""
    exported = []
    for endpoint in _owned(session, subscriber.email):
        posted = session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.id)
        )
        exported.append(
            {
                "url": endpoint.url,
                "format": endpoint.format,
                "topics": list(endpoint.topics),
                "products": endpoint.products,
                "regions": endpoint.regions,
                "status": endpoint.status,
                "created_at": endpoint.created_at.isoformat(),
                "confirmed_at": endpoint.confirmed_at.isoformat()
                if endpoint.confirmed_at
                else None,
                "deliveries": [
                    {
                        "webhook_id": d.event_id,
                        "change_id": d.change_id,
                        "queued_at": d.created_at.isoformat(),
                    }
                    for d in posted
                ],
            }
        )
    return exported


def erase_endpoints(session: Session, subscriber: Subscriber) -> None:
    for endpoint in _owned(session, subscriber.email):
        delete_endpoint(session, endpoint)
