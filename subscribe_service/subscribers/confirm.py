"""/confirm/<token>: GET shows what will be confirmed, POST confirms (scanners only GET)."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from generator.contract import TOPIC_TITLES, TOPICS
from subscribe_service.identity import links, tokens
from subscribe_service.infra.db import get_session
from subscribe_service.infra.models import SubscriberStatus
from subscribe_service.subscribers import lifecycle as subscriptions
from subscribe_service.subscribers.parse import payload_scope
from subscribe_service.web.pages import (
    message,
    page,
    product_names,
    region_names,
    scope_sentence,
)

bp = Blueprint("confirm", __name__)


def _load(token: str):  # type: ignore[no-untyped-def]
    data = tokens.read_token("confirm", token)
    subscriber = subscriptions.load_subscriber(get_session(), data)
    raw = data.extra.get("t")
    topics = [t for t in raw if t in TOPICS] if isinstance(raw, list) else []
    products = payload_scope(data.extra.get("p"))
    regions = payload_scope(data.extra.get("r"))
    return subscriber, topics, products, regions


@bp.get("/confirm/<token>")
def show(token: str) -> tuple[str, int]:
    subscriber, topics, products, regions = _load(token)
    already = (
        subscriber.status == SubscriberStatus.CONFIRMED
        and set(topics) <= set(subscriber.topic_names)
        and subscriptions.combined_scope(subscriber.product_ids, products)
        == subscriber.product_ids
        and subscriptions.combined_scope(subscriber.region_ids, regions)
        == subscriber.region_ids
    )
    return page(
        "confirm.html",
        subscriber=subscriber,
        topics=topics,
        products=product_names(products),
        regions=region_names(regions),
        already=already,
    )


@bp.post("/confirm/<token>")
def confirm(token: str) -> tuple[str, int]:
    subscriber, topics, products, regions = _load(token)
    config = current_app.config
    subscribed = subscriptions.confirm(
        get_session(),
        subscriber,
        topics,
        confirmed_via=(request.headers.get("Origin") or "the confirmation page")[:100],
        consent_template=config["CONSENT_TEXT"],
        company=config["COMPANY_NAME"],
        products=products,
        regions=regions,
    )
    titles = ", ".join(TOPIC_TITLES[t] for t in subscribed)
    scope = scope_sentence(subscriber.product_ids, subscriber.region_ids)
    return message(
        "You are subscribed",
        f"{subscriber.email} will get an email when these documents change: {titles}.{scope}",
        "Every email has a link to change your choice or unsubscribe.",
        **{"Your preferences": links.manage_url(subscriber)},
    )
