"""The subscription lifecycle: pending -> confirmed -> unsubscribed, with consent recorded.

Plain functions over a session; the web layer decides what to answer. Nothing here
sends mail: mails are outbox rows committed with the change that caused them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from generator.contract import TOPIC_TITLES, TOPICS
from subscribe_service.identity.addresses import address_key
from subscribe_service.identity.tokens import TokenData, TokenError
from subscribe_service.infra.models import (
    OutboxMessage,
    Subscriber,
    SubscriberProduct,
    SubscriberRegion,
    SubscriberStatus,
    SubscriberTopic,
    utcnow,
)
from subscribe_service.mail import outbox
from subscribe_service.subscribers.parse import SubscribeRequest, payload_scope


def consent_wording(template: str, company: str, topics: list[str]) -> str:
    titles = ", ".join(TOPIC_TITLES[t] for t in topics)
    return template.format(company=company, topics=titles)


def _set_topics(subscriber: Subscriber, topics: list[str]) -> None:
    subscriber.forget_preloaded_scopes()
    wanted = set(topics)
    for row in list(subscriber.topics):
        if row.topic not in wanted:
            subscriber.topics.remove(row)
    have = set(subscriber.topic_names)
    for topic in sorted(wanted - have, key=TOPICS.index):
        subscriber.topics.append(SubscriberTopic(topic=topic))


def set_products(subscriber: Subscriber, products: list[str] | None) -> None:
    """Limit the subscriber's notices to `products` (None: every product)."""
    subscriber.forget_preloaded_scopes()
    _set_scope(subscriber.products, "product", products, SubscriberProduct)


def set_regions(subscriber: Subscriber, regions: list[str] | None) -> None:
    """Limit the subscriber's notices to `regions` (None: every region)."""
    subscriber.forget_preloaded_scopes()
    _set_scope(subscriber.regions, "region", regions, SubscriberRegion)


def _set_scope(rows: list[Any], column: str, ids: list[str] | None, row: Any) -> None:
    """Make `rows` (a subscriber's product or region rows) hold exactly `ids`: rows not
    wanted are removed, missing ones added, the others kept as they are."""
    wanted = set(ids or ())
    for found in list(rows):
        if getattr(found, column) not in wanted:
            rows.remove(found)
    have = {getattr(found, column) for found in rows}
    for value in sorted(wanted - have):
        rows.append(row(**{column: value}))


def combined_scope(a: list[str] | None, b: list[str] | None) -> list[str] | None:
    """Both scopes at once: every product (region) if either is."""
    if a is None or b is None:
        return None
    return sorted(set(a) | set(b))


def find_by_email(session: Session, email: str) -> Subscriber | None:
    """The subscriber with this address, in whatever letter case either was written."""
    key = address_key(email)
    return session.scalar(select(Subscriber).where(func.lower(Subscriber.email) == key))


def request_subscription(
    request: SubscribeRequest, *, source: str, consent_text: str, limit_ticket: Any = None
) -> None:
    """Queue the request; the sender records it and mails the confirmation link.

    The web request does one thing whatever the address's state (one outbox row,
    committed before the answer), so neither the answer nor its timing tells whether
    the address is known. The rate limits count the request under `limit_ticket` as its
    row is written (refused: nothing is written, RateLimited is raised).
    """
    outbox.enqueue_now(
        kind="confirm",
        recipient=request.email,
        payload={
            "topics": request.topics,
            "products": request.products,
            "regions": request.regions,
            "source": source,
            "consent_text": consent_text,
        },
        ticket=limit_ticket,
    )


def apply_request(
    session: Session,
    email: str,
    topics: list[str],
    *,
    source: str,
    consent_text: str,
    products: list[str] | None = None,
    regions: list[str] | None = None,
) -> Subscriber:
    """Record a subscription request (at send time): a new or pending address becomes
    pending for `topics`; a confirmed or unsubscribed one is unchanged until the
    emailed link is used."""
    subscriber = find_by_email(session, email)
    if subscriber is None:
        try:
            with session.begin_nested():
                subscriber = Subscriber(
                    email=email,
                    status=SubscriberStatus.PENDING,
                    token_version=1,
                    created_at=utcnow(),
                )
                session.add(subscriber)
        except IntegrityError:  # created meanwhile by another sender
            subscriber = find_by_email(session, email)
            assert subscriber is not None
    if subscriber.status == SubscriberStatus.PENDING:
        # Until confirmed, the latest request decides what a confirmation will cover.
        _set_topics(subscriber, topics)
        set_products(subscriber, products)
        set_regions(subscriber, regions)
        subscriber.consent_source = source
        subscriber.consent_text = consent_text
    session.flush()
    return subscriber


def record_request(session: Session, message: OutboxMessage) -> None:
    """A confirm mail's step before sending: record the subscribe request it answers.

    The API only queues the request (one outbox row, whatever the address's state);
    the sender records it here, off the web request's path, just before the mail is
    rendered, and the row then names the subscriber. The write is committed with the
    mail's outcome.
    """
    if message.subscriber_id is not None:
        return
    topics = [t for t in message.payload.get("topics", []) if t in TOPICS]
    found = apply_request(
        session,
        message.recipient,
        topics,
        source=str(message.payload.get("source", "")),
        consent_text=str(message.payload.get("consent_text", "")),
        products=payload_scope(message.payload.get("products")),
        regions=payload_scope(message.payload.get("regions")),
    )
    message.subscriber_id = found.id


def load_subscriber(session: Session, token: TokenData) -> Subscriber:
    """The subscriber a verified token names, if the link has not been revoked."""
    subscriber = session.get(Subscriber, token.subscriber_id)
    if subscriber is None:
        raise TokenError("revoked", "This link no longer works: the subscription was erased.")
    if subscriber.token_version != token.token_version:
        raise TokenError("revoked", "This link was withdrawn. Use the link in a newer email.")
    return subscriber


def confirm(
    session: Session,
    subscriber: Subscriber,
    topics: list[str],
    *,
    confirmed_via: str,
    consent_template: str,
    company: str,
    products: list[str] | None = None,
    regions: list[str] | None = None,
) -> list[str]:
    """Confirm `topics` for `products` and `regions` (idempotent); returns the topics now
    subscribed.

    The consent recorded covers every topic subscribed after this confirmation, with the
    source of the request and how it was confirmed. A confirmed subscriber asking again
    keeps what they had and gains what they asked for (topics, products, regions alike).
    """
    now = utcnow()
    confirmed = subscriber.status == SubscriberStatus.CONFIRMED
    current = subscriber.topic_names if confirmed else []
    combined = sorted(set(current) | set(topics), key=TOPICS.index)
    scope = combined_scope(subscriber.product_ids, products) if confirmed else products
    where = combined_scope(subscriber.region_ids, regions) if confirmed else regions
    if (
        confirmed
        and combined == current
        and scope == subscriber.product_ids
        and where == subscriber.region_ids
    ):
        return current  # confirming twice changes nothing
    requested = (
        subscriber.consent_source
        if subscriber.status == SubscriberStatus.PENDING and subscriber.consent_source
        else "subscription request"
    )
    _set_topics(subscriber, combined)
    set_products(subscriber, scope)
    set_regions(subscriber, where)
    if subscriber.status != SubscriberStatus.CONFIRMED:
        subscriber.confirmed_at = now
    subscriber.status = SubscriberStatus.CONFIRMED
    subscriber.unsubscribed_at = None
    subscriber.consent_at = now
    subscriber.consent_source = (
        f"{requested}; confirmed through the emailed link ({confirmed_via})"[:500]
    )
    subscriber.consent_text = consent_wording(consent_template, company, combined)
    session.commit()
    return combined


def update_topics(
    session: Session,
    subscriber: Subscriber,
    topics: list[str],
    *,
    consent_text: str,
    products: list[str] | None = None,
    regions: list[str] | None = None,
) -> None:
    """The preferences page: no topics left means unsubscribed from everything."""
    if not topics:
        unsubscribe(session, subscriber)
        return
    _set_topics(subscriber, topics)
    set_products(subscriber, products)
    set_regions(subscriber, regions)
    if subscriber.status == SubscriberStatus.UNSUBSCRIBED:
        # Coming back through their own emailed link is a fresh, confirmed consent.
        subscriber.status = SubscriberStatus.CONFIRMED
        subscriber.unsubscribed_at = None
    if subscriber.status == SubscriberStatus.CONFIRMED:
        subscriber.consent_at = utcnow()
        subscriber.consent_source = "preferences page, through the emailed link"
        subscriber.consent_text = consent_text
    session.commit()


def unsubscribe(session: Session, subscriber: Subscriber, topic: str | None = None) -> None:
    """Leave one topic, or everything; leaving the last topic leaves everything."""
    if topic is not None and subscriber.status == SubscriberStatus.CONFIRMED:
        remaining = [t for t in subscriber.topic_names if t != topic]
        if remaining:
            _set_topics(subscriber, remaining)
            session.commit()
            return
    if subscriber.status != SubscriberStatus.UNSUBSCRIBED:
        subscriber.status = SubscriberStatus.UNSUBSCRIBED
        subscriber.unsubscribed_at = utcnow()
    _set_topics(subscriber, [])
    session.commit()
