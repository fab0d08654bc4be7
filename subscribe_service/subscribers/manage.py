"""/manage/<token>: the preferences page reached from every mail.

Choose topics, leave everything, have your data mailed to you, or erase it.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request

from generator.contract import TOPIC_TITLES
from subscribe_service.identity import tokens
from subscribe_service.identity.addresses import InvalidInput
from subscribe_service.infra.db import get_session
from subscribe_service.infra.models import Subscriber, SubscriberStatus
from subscribe_service.mail import outbox
from subscribe_service.subscribers import lifecycle as subscriptions
from subscribe_service.subscribers import privacy
from subscribe_service.subscribers.api import site_products, site_regions
from subscribe_service.subscribers.parse import parse_products, parse_regions, parse_topics
from subscribe_service.web.pages import message, page, scope_sentence

bp = Blueprint("manage", __name__)


def _load(token: str) -> Subscriber:
    data = tokens.read_token("manage", token)
    return subscriptions.load_subscriber(get_session(), data)


@bp.get("/manage/<token>")
def show(token: str) -> tuple[str, int]:
    subscriber = _load(token)
    return page("manage.html", subscriber=subscriber, token=token)


@bp.post("/manage/<token>")
def save(token: str) -> tuple[str, int]:
    subscriber = _load(token)
    topics = parse_topics(request.form.getlist("topics"), allow_empty=True)
    products = parse_products(request.form.getlist("products"), site_products(), form=True)
    regions = parse_regions(request.form.getlist("regions"), site_regions(), form=True)
    config = current_app.config
    subscriptions.update_topics(
        get_session(),
        subscriber,
        topics,
        products=products,
        regions=regions,
        consent_text=subscriptions.consent_wording(
            config["CONSENT_TEXT"], config["COMPANY_NAME"], topics
        ),
    )
    if not topics:
        return message("You are unsubscribed", f"{subscriber.email} will get no more emails.")
    if subscriber.status == SubscriberStatus.PENDING:
        return message(
            "Choice saved",
            "Your address is not confirmed yet: open the link in the confirmation email.",
        )
    titles = ", ".join(TOPIC_TITLES[t] for t in topics)
    scope = scope_sentence(products, regions)
    return message(
        "Preferences saved", f"{subscriber.email} gets emails about: {titles}.{scope}"
    )


@bp.post("/manage/<token>/export")
def export(token: str) -> tuple[str, int]:
    subscriber = _load(token)
    session = get_session()
    outbox.enqueue(
        session, kind="export", recipient=subscriber.email, payload={}, subscriber_id=subscriber.id
    )
    session.commit()
    return message(
        "Your data is on its way",
        f"We are emailing everything we hold about you to {subscriber.email}, as a JSON file.",
        status=202,
    )


@bp.post("/manage/<token>/erase")
def erase(token: str) -> tuple[str, int]:
    subscriber = _load(token)
    if request.form.get("confirm") != "yes":
        raise InvalidInput("confirm", "Tick the box to confirm that you want your data erased.")
    email = subscriber.email
    privacy.erase(get_session(), subscriber)
    return message(
        "Your data is erased",
        f"We deleted {email}, your choices and the record of the emails we sent you.",
        "The links in earlier emails no longer work.",
    )
