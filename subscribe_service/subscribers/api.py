"""The JSON/form API under /api/: subscribe, and ask for a fresh preferences link."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, redirect, request

from subscribe_service.identity.addresses import InvalidInput, normalise_email
from subscribe_service.infra.db import get_session
from subscribe_service.infra.published_site import published_site
from subscribe_service.mail import outbox
from subscribe_service.subscribers import lifecycle as subscriptions
from subscribe_service.subscribers.parse import parse_subscribe
from subscribe_service.web import limits
from subscribe_service.web.request_body import _is_form, _wants_page, read_body

bp = Blueprint("api", __name__, url_prefix="/api")

ACCEPTED = {
    "status": "accepted",
    "detail": "If this address can receive mail, a message with a link is on its way. "
    "Open it to finish.",
}
# The same bytes jsonify(ACCEPTED) gives, serialised once: on the busiest endpoint, building
# them per request was a measurable share of its cost.
ACCEPTED_JSON = json.dumps(ACCEPTED, separators=(",", ":"), sort_keys=True) + "\n"


def _accepted() -> Response:
    """The same answer for every address, new or known (no enumeration)."""
    if _wants_page():
        return redirect(current_app.config["SITE_URL"] + "subscribe/check-email/", code=303)
    return Response(ACCEPTED_JSON, status=202, mimetype="application/json")


def _source() -> str:
    channel = "web form" if _is_form() else "API"
    origin = request.headers.get("Origin") or request.headers.get("Referer") or "no origin"
    return f"{channel} ({origin[:200]})"


def site_products() -> list[str]:
    """The product ids of the built site (service.json); none before it was built."""
    info = published_site().peek()
    return info.product_ids() if info is not None else []


def site_regions() -> list[str]:
    """The region ids of the built site (service.json); none before it was built."""
    info = published_site().peek()
    return info.region_ids() if info is not None else []


@bp.post("/subscriptions")
def subscribe() -> Response:
    body = read_body(("topics", "products", "regions"))
    # The site's products (regions) are read only when the request names some: the
    # busiest endpoint does no more work than before for everyone else.
    known = site_products() if body.get("products") is not None else []
    regions = site_regions() if body.get("regions") is not None else []
    req = parse_subscribe(body, known, form=_is_form(), known_regions=regions)
    if req.honeypot:
        return _accepted()  # a bot filled the hidden field: look successful, do nothing
    config = current_app.config
    subscriptions.request_subscription(
        req,
        limit_ticket=limits.ticket_for(req.email),
        source=_source(),
        consent_text=subscriptions.consent_wording(
            config["CONSENT_TEXT"], config["COMPANY_NAME"], req.topics
        ),
    )
    return _accepted()


@bp.post("/manage-links")
def manage_link() -> Response:
    """Mail a preferences link to a subscriber who lost theirs (same answer for anyone)."""
    data = read_body()
    unknown = set(data) - {"email", "website"}
    if unknown:
        raise InvalidInput(
            "body", f"Unknown field(s): {', '.join(sorted(map(str, unknown)))[:200]}."
        )
    email = normalise_email(data.get("email"))
    website = data.get("website")
    if website is not None and not isinstance(website, str):
        raise InvalidInput("website", "`website` must be text.")
    if website and website.strip():
        return _accepted()  # a bot filled the hidden field: look successful, do nothing
    session = get_session()
    subscriber = subscriptions.find_by_email(session, email)
    # Queued for unknown addresses too (the sender cancels it), so the answer's timing
    # does not tell who subscribed.
    outbox.enqueue(
        session,
        kind="manage",
        recipient=email,
        payload={},
        subscriber_id=subscriber.id if subscriber else None,
    )
    session.commit()
    return _accepted()
