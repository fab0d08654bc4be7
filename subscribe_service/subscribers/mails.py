"""The subscription's own mails: confirm, manage and export.

Rendered in the sender at send time (see mail/renderers.py), so a mail reflects the
subscriber as they are then: None when they unsubscribed or were erased, and the
sender cancels it. create_app registers each kind with its renderer.
"""

from __future__ import annotations

import json

from flask import current_app
from sqlalchemy.orm import Session

from generator.contract import TOPIC_TITLES
from subscribe_service.identity import links
from subscribe_service.identity.addresses import address_key
from subscribe_service.infra.models import OutboxMessage, Subscriber, SubscriberStatus
from subscribe_service.mail.message import RenderedMail, list_id
from subscribe_service.mail.renderers import render_mail
from subscribe_service.subscribers.parse import payload_scope
from subscribe_service.web.pages import product_names, region_names


def account_list_id() -> str:
    """List-Id for mails about the subscription itself (not about one topic)."""
    return list_id(current_app.config, "subscriptions", "subscriptions")


def _subscriber(session: Session, message: OutboxMessage) -> Subscriber | None:
    if message.subscriber_id is None:
        return None
    subscriber = session.get(Subscriber, message.subscriber_id)
    # The same mailbox in any letter case (a request may spell it differently).
    if subscriber is None or address_key(subscriber.email) != address_key(message.recipient):
        return None
    return subscriber


def render_confirm(session: Session, message: OutboxMessage) -> RenderedMail | None:
    """The confirmation link; the request it answers was recorded before
    (lifecycle.record_request, the kind's step before sending)."""
    topics = [t for t in message.payload.get("topics", []) if t in TOPIC_TITLES]
    subscriber = _subscriber(session, message)
    if subscriber is None:
        return None
    company = current_app.config["COMPANY_NAME"]
    products = payload_scope(message.payload.get("products"))
    regions = payload_scope(message.payload.get("regions"))
    return render_mail(
        "confirm",
        subject=f"Confirm your subscription to {company} updates",
        list_id=account_list_id(),
        unsubscribe_url=links.unsubscribe_url(subscriber),
        subscriber=subscriber,
        topics=topics,
        already_confirmed=subscriber.status == SubscriberStatus.CONFIRMED,
        products=product_names(products),
        regions=region_names(regions),
        confirm_url=links.confirm_url(subscriber, topics, products, regions),
        manage_url=links.manage_url(subscriber),
        valid_hours=72,
    )


def render_manage(session: Session, message: OutboxMessage) -> RenderedMail | None:
    subscriber = _subscriber(session, message)
    if subscriber is None:
        return None
    company = current_app.config["COMPANY_NAME"]
    return render_mail(
        "manage",
        subject=f"Your {company} subscription preferences",
        list_id=account_list_id(),
        unsubscribe_url=links.unsubscribe_url(subscriber),
        subscriber=subscriber,
        manage_url=links.manage_url(subscriber),
    )


def render_export(session: Session, message: OutboxMessage) -> RenderedMail | None:
    from subscribe_service.subscribers.privacy import export_data

    subscriber = _subscriber(session, message)
    if subscriber is None:
        return None
    data = export_data(session, subscriber)
    body = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    company = current_app.config["COMPANY_NAME"]
    return render_mail(
        "export",
        subject=f"Your data held by {company}'s update service",
        list_id=account_list_id(),
        unsubscribe_url=links.unsubscribe_url(subscriber),
        attachments=[("trustsite-subscriber-data.json", "application/json", body.encode())],
        subscriber=subscriber,
        export_json=body,
        export_url=links.export_url(subscriber),
        manage_url=links.manage_url(subscriber),
    )
