"""Outbox renderers for change notices and objection mails (templates/notices/).

Rendering happens when the sender sends, so a notice reflects the subscriber as they are
then: one who unsubscribed, was suppressed or dropped the topic since the notice was
queued gets nothing (the renderer returns None and the sender cancels the row).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, render_template
from sqlalchemy.orm import Session

from generator.contract import (
    FIELD_LABELS,
    TOPIC_TITLES,
    Change,
    deadline_words,
    objections_sentence,
    scope_change,
    scopes_meet,
    value_words,
    zone_of,
)
from generator.contract import long_date as contract_long_date
from subscribe_service.identity import links, tokens
from subscribe_service.infra.models import Notice, OutboxMessage, Subscriber, SubscriberStatus
from subscribe_service.mail.message import RenderedMail
from subscribe_service.mail.renderers import render_mail, topic_list_id
from subscribe_service.notices.models import Objection
from subscribe_service.notices.render_cache import Personal, render_personal

NOTICE_KIND = "notice"
RECEIPT_KIND = "objection_receipt"
ALERT_KIND = "objection_alert"  # to the privacy team


def object_url(subscriber: Subscriber, notice: Notice) -> str:
    """The subscriber's personal link to object to `notice` (salt "object")."""
    token = tokens.make_token("object", subscriber.id, subscriber.token_version, n=notice.id)
    return links.service_url(f"object/{token}")


def accepts_objections(notice: Notice) -> bool:
    """Sub-processor changes with a deadline can be objected to (GDPR Art. 28(2))."""
    return notice.topic == "subprocessors" and bool(notice.change.get("objection_deadline"))


def long_date(value: str | dt.date | None) -> str:
    """`2025-03-01` -> `1 March 2025`, as the site writes it (the contract's `long_date`)."""
    if not value:
        return ""
    return contract_long_date(dt.date.fromisoformat(value) if isinstance(value, str) else value)


def field_value(field: str, value: Any) -> str:
    """A sub-processor field in words for people, as the site shows it: `United Kingdom
    (GB)`, `Standard Contractual Clauses`, `Third party` (the contract's one table); a
    null `products` (contract.ChangedEntry) reads "every product"."""
    return value_words(field, value)


def notice_zone(notice: Notice) -> str:
    """The company's time zone as the notice's changes.json stated it (UTC before it did)."""
    zone = (notice.site or {}).get("timezone") or "UTC"
    try:
        zone_of(zone)
    except ValueError:
        return "UTC"  # notify validated it; a row edited by hand must not break every mail
    return zone


def date_context(notice: Notice) -> dict[str, Any]:
    """The deadline and what is in force until the change, in the contract's words: the
    same as on the site (`deadline` is "the end of 20 January 2027 (UTC)")."""
    change, zone = notice.change, notice_zone(notice)
    value = change.get("objection_deadline")
    deadline = dt.date.fromisoformat(value) if value else None
    return {
        "deadline": deadline_words(deadline, zone) if deadline else None,
        "objections_sentence": objections_sentence(deadline, zone) if deadline else None,
        "in_force_text": change.get("in_force_before_text"),
    }


def _one_line(text: str) -> str:
    # A subject is a header: a template override must never smuggle in a line break.
    return " ".join(text.split())


def _notice_context(
    notice: Notice, site: dict[str, Any], products: list[str] | None = None
) -> dict[str, Any]:
    change = scoped_change(notice.change, products)
    return {
        "change": change,
        "site": site,
        "topic_title": change.get("topic_title") or TOPIC_TITLES.get(notice.topic, notice.topic),
        "field_labels": FIELD_LABELS,
        "field_value": field_value,
        "long_date": long_date,
        **date_context(notice),
    }


def scoped_change(change: dict[str, Any], products: list[str] | None) -> dict[str, Any]:
    """The recorded change as a subscriber of `products` sees it (contract.scope_change):
    a list change keeps the entries serving one of their products."""
    if products is None:
        return change
    try:
        record = Change.model_validate(change)
    except ValueError:
        return change  # recorded by an older service: shown whole rather than not at all
    return {**change, "diff": scope_change(record, products).model_dump(mode="json")["diff"]}


def notice_site(notice: Notice) -> dict[str, Any]:
    """The changes.json `site` block of the notice, or what the configuration knows."""
    return notice.site or {
        "url": current_app.config["SITE_URL"],
        "company": current_app.config["COMPANY_NAME"],
        "privacy_contact": None,
    }


def _subject(template: str, context: dict[str, Any]) -> str:
    return _one_line(render_template(f"notices/{template}_subject.txt", **context))


def render_notice(session: Session, message: OutboxMessage) -> RenderedMail | None:
    """The change notice; None (cancelled) if the subscriber no longer wants this topic."""
    # Through the relationships: the sender loads them for a whole batch at once.
    subscriber, notice = message.subscriber, message.notice
    if subscriber is None or notice is None or subscriber.email != message.recipient:
        return None
    if subscriber.status != SubscriberStatus.CONFIRMED or subscriber.suppressed_at is not None:
        return None
    if notice.topic not in subscriber.topic_names:
        return None
    products = subscriber.product_ids
    # Products chosen since the notice was queued count: a change that no longer concerns
    # the subscriber is not sent, and one that does shows only the entries that do.
    if not scopes_meet(notice.change.get("products"), products):
        return None
    site = notice_site(notice)
    personal = Personal(
        email=subscriber.email,
        object_url=object_url(subscriber, notice) if accepts_objections(notice) else None,
        manage_url=links.manage_url(subscriber),
        # One click leaves this topic only; the body links to leaving everything.
        unsubscribe_url=links.unsubscribe_url(subscriber, topic=notice.topic),
        unsubscribe_all_url=links.unsubscribe_url(subscriber),
    )

    def render(values: Personal, who: Any) -> RenderedMail:
        context = _notice_context(notice, site, products)
        context.update(
            subscriber=who,
            object_url=values.object_url,
            manage_url=values.manage_url,
            unsubscribe_all_url=values.unsubscribe_all_url,
        )
        subject_context = {**context, "company": current_app.config["COMPANY_NAME"]}
        return render_mail(
            "notice",
            folder="notices",
            subject=_subject("notice", subject_context),
            list_id=topic_list_id(notice.topic),
            unsubscribe_url=values.unsubscribe_url,
            **context,
        )

    # A notice never changes once recorded; what it shows depends on the products only.
    key = (notice.id, notice.change_id, tuple(products or ()))
    return render_personal(key, personal, subscriber, render)


def render_receipt(session: Session, message: OutboxMessage) -> RenderedMail | None:
    """The subscriber's receipt: what was received, when, and whether before the deadline."""
    objection = session.get(Objection, message.payload.get("objection_id"))
    if objection is None or objection.subscriber.email != message.recipient:
        return None  # erased since
    subscriber, notice = objection.subscriber, objection.notice
    context = _notice_context(notice, notice_site(notice))
    context.update(_objection_context(message))
    context.update(
        subscriber=subscriber,
        object_url=object_url(subscriber, notice),
        manage_url=links.manage_url(subscriber),
        unsubscribe_all_url=links.unsubscribe_url(subscriber),
    )
    return render_mail(
        "objection_receipt",
        folder="notices",
        subject=_subject("objection_receipt", context),
        list_id=topic_list_id(notice.topic),
        unsubscribe_url=links.unsubscribe_url(subscriber, topic=notice.topic),
        **context,
    )


def render_alert(session: Session, message: OutboxMessage) -> RenderedMail | None:
    """The privacy team's copy (an erase of the subscriber's data deletes it unsent)."""
    notice = session.get(Notice, message.payload.get("notice_id"))
    if notice is None:
        return None
    context = _notice_context(notice, notice_site(notice))
    context.update(_objection_context(message))
    subscriber_email = message.payload["subscriber_email"]
    return render_mail(
        "objection_alert",
        folder="notices",
        subject=_subject("objection_alert", context),
        list_id=None,
        unsubscribe_url=None,  # an internal mail to the company, not a list
        extra_headers={"Reply-To": subscriber_email},
        **context,
    )


def _objection_context(message: OutboxMessage) -> dict[str, Any]:
    """What the objection said when it was posted (a receipt is a snapshot, not live)."""
    payload = message.payload
    return {
        "reason": payload.get("reason", ""),
        "received_at": dt.datetime.fromisoformat(payload["received_at"]),
        "first_received_at": dt.datetime.fromisoformat(payload["first_received_at"]),
        "on_time": bool(payload["on_time"]),
        "updated": bool(payload.get("updated")),
        "subscriber_email": payload.get("subscriber_email"),
    }
