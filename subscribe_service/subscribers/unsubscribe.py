"""/unsubscribe/<token>: RFC 8058 one-click unsubscribe.

POST takes effect at once, whatever the body (form-encoded, multipart or empty), without
cookies or CSRF token, and answers 200 without a redirect. GET only shows a button, so a
link scanner following the URL changes nothing.
"""

from __future__ import annotations

from flask import Blueprint

from generator.contract import TOPIC_TITLES
from subscribe_service.identity import links, tokens
from subscribe_service.infra.db import get_session
from subscribe_service.infra.models import SubscriberStatus
from subscribe_service.subscribers import lifecycle as subscriptions
from subscribe_service.web.pages import message, page

bp = Blueprint("unsubscribe", __name__)


def _load(token: str):  # type: ignore[no-untyped-def]
    data = tokens.read_token("unsubscribe", token)
    subscriber = subscriptions.load_subscriber(get_session(), data)
    topic = data.extra.get("t")
    return subscriber, topic if topic in TOPIC_TITLES else None


@bp.get("/unsubscribe/<token>")
def show(token: str) -> tuple[str, int]:
    subscriber, topic = _load(token)
    return page("unsubscribe.html", subscriber=subscriber, topic=topic)


@bp.post("/unsubscribe/<token>")
def one_click(token: str) -> tuple[str, int]:
    subscriber, topic = _load(token)
    subscriptions.unsubscribe(get_session(), subscriber, topic)
    if subscriber.status == SubscriberStatus.UNSUBSCRIBED:
        first = f"{subscriber.email} will get no more emails from us."
    else:
        first = f"{subscriber.email} will get no more emails about {TOPIC_TITLES[topic]}."
    return message(
        "You are unsubscribed",
        first,
        "Changed your mind? Your preferences page still works.",
        **{"Your preferences": links.manage_url(subscriber)},
    )
