"""Outbox renderers for change notices and objection mails (templates/notices/).

Rendering happens when the sender sends, so a notice reflects the subscriber as they are
then: one who unsubscribed, was suppressed or dropped the topic since the notice was
queued gets nothing (the renderer returns None and the sender cancels the row).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app, render_template
from sqlalchemy.orm import Session

from generator.contract import (
    FIELD_LABELS,
    TOPIC_TITLES,
    Change,
    Scope,
    change_touches,
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
from subscribe_service.web.pages import site_scope_names

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


def field_value(field: str, value: Any, names: Mapping[str, str] | None = None) -> str:
    """A sub-processor field in words for people, as the site shows it: `United Kingdom
    (GB)`, `Standard Contractual Clauses`, `Third party` (the contract's one table); a
    null `products` (contract.ChangedEntry) reads "every product"; products and regions
    by their `names` (ServiceInfo.scope_names)."""
    return value_words(field, value, names)


def field_words() -> Callable[[str, Any], str]:
    """`field_value` with the built site's product and region names, for a template."""
    names = site_scope_names()
    return lambda field, value: field_value(field, value, names)


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
    notice: Notice, site: dict[str, Any], products: Scope = None, regions: Scope = None
) -> dict[str, Any]:
    change = scoped_change(notice, products, regions)
    return {
        "change": change,
        "site": site,
        "topic_title": change.get("topic_title") or TOPIC_TITLES.get(notice.topic, notice.topic),
        "field_labels": FIELD_LABELS,
        "field_value": field_words(),
        "long_date": long_date,
        **date_context(notice),
    }


def scoped_change(notice: Notice, products: Scope, regions: Scope) -> dict[str, Any]:
    """The recorded change as a subscriber of `products` and `regions` sees it
    (contract.scope_change): a list change keeps the entries that reach them."""
    change = notice.change
    if products is None and regions is None:
        return change
    record = notice_record(notice)
    if record is None:
        return change  # recorded by an older service: shown whole rather than not at all
    dumped = scope_change(record, products, regions).model_dump(mode="json")
    # The record's own products and regions become its part's (contract.scope_change).
    return {**change, **{key: dumped[key] for key in ("diff", "products", "regions")}}


def reaches(notice: Notice, products: Scope, regions: Scope) -> bool:
    """Whether the notice's change concerns a subscriber of `products` and `regions`
    (contract.change_touches); a record that no longer validates by its own scopes."""
    if products is None and regions is None:
        return True  # a subscriber of everything: the common case, on the sender's path
    record = notice_record(notice)
    if record is None:
        change = notice.change
        return scopes_meet(change.get("products"), products) and scopes_meet(
            change.get("regions"), regions
        )
    return change_touches(record, products, regions)


_RECORDS = "trustsite.notice_records"


def notice_record(notice: Notice) -> Change | None:
    """The notice's change as the contract reads it, validated once per notice and
    process (a notice never changes once recorded); None for one recorded by an older
    service that no longer validates."""
    cache: dict[tuple[Any, str], Change | None] = current_app.extensions.setdefault(_RECORDS, {})
    key = (notice.id, notice.change_id)
    if notice.id is None:  # not stored (a preview): nothing to be sure it is the same
        cache.pop(key, None)
    if key not in cache:
        if len(cache) >= 64:  # notices sent by one process at a time: a handful
            cache.clear()
        try:
            cache[key] = Change.model_validate(notice.change)
        except ValueError:
            cache[key] = None
    return cache[key]


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
    products, regions = subscriber.product_ids, subscriber.region_ids
    # Products and regions chosen since the notice was queued count: a change that no
    # longer concerns the subscriber is not sent, and one that does shows only the
    # entries that do.
    if not reaches(notice, products, regions):
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
        context = _notice_context(notice, site, products, regions)
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

    # A notice never changes once recorded; what it shows depends on the scopes only.
    key = (notice.id, notice.change_id, tuple(products or ()), tuple(regions or ()))
    return render_personal(key, personal, subscriber, render)


def render_receipt(session: Session, message: OutboxMessage) -> RenderedMail | None:
    """The subscriber's receipt: what was received, when, and whether before the deadline."""
    objection = session.get(Objection, message.payload.get("objection_id"))
    if objection is None or objection.subscriber.email != message.recipient:
        return None  # erased since
    subscriber, notice = objection.subscriber, objection.notice
    # Their part of the change, as their notice and the objection page showed it.
    context = _notice_context(
        notice, notice_site(notice), subscriber.product_ids, subscriber.region_ids
    )
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
