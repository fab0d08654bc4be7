"""POST /api/webhooks: register an endpoint; its owner confirms by the emailed link.

The answer is the same 202 for every well-formed request, whether the address owns
endpoints already or has reached its cap: nobody learns what an address has registered.
What can be judged from the request alone is refused at once with a 422 naming the
field: a URL that is not https (unless the operator allowed its host), that names or
resolves to a loopback, private or otherwise non-public address, an unknown topic or
format, a malformed product or region id. The endpoint is written `pending` with its
confirmation mail in one commit; the per-IP and per-address limits (web/limits.py) run
before this view, and pending endpoints are forgotten when their link expires (the
`purge_pending` chore).
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import secrets
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, current_app
from sqlalchemy import delete, func, select

from subscribe_service.identity.addresses import InvalidInput, address_key, normalise_email
from subscribe_service.identity.tokens import PURPOSES
from subscribe_service.infra.db import get_session, session_scope
from subscribe_service.infra.models import utcnow
from subscribe_service.mail import outbox
from subscribe_service.subscribers.api import ACCEPTED_JSON
from subscribe_service.subscribers.parse import parse_topics
from subscribe_service.web.request_body import read_body
from subscribe_service.webhooks import outbound
from subscribe_service.webhooks.models import FORMATS, URL_MAX, EndpointStatus, WebhookEndpoint

bp = Blueprint("webhooks", __name__, url_prefix="/api")

CONFIRM_KIND = "webhook-confirm"
FIELDS = {"url", "email", "topics", "products", "regions", "format"}
PRODUCT = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")  # a product's or a region's id
PRODUCTS_MAX = REGIONS_MAX = 50


@dataclass(frozen=True)
class Registration:
    url: str
    email: str
    topics: list[str]
    products: list[str] | None
    regions: list[str] | None
    format: str


def new_secret() -> str:
    """`whsec_` + base64 of 32 random bytes (the Standard Webhooks secret format)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def parse_registration(data: dict[str, object]) -> Registration:
    unknown = set(data) - FIELDS
    if unknown:
        names = ", ".join(sorted(str(k)[:40] for k in unknown))
        raise InvalidInput("body", f"Unknown field(s): {names}. Send {', '.join(sorted(FIELDS))}.")
    fmt = data.get("format", "standard")
    if fmt not in FORMATS:
        raise InvalidInput("format", f"`format` must be one of: {', '.join(FORMATS)}.")
    return Registration(
        url=_parse_url(data.get("url")),
        email=normalise_email(data.get("email")),
        topics=parse_topics(data.get("topics")),
        products=_parse_ids("products", "product", data.get("products")),
        regions=_parse_ids("regions", "region", data.get("regions")),
        format=str(fmt),
    )


def _parse_url(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("url", "Give the https:// URL to post to.")
    url = value.strip()
    if len(url) > URL_MAX or not url.isprintable() or not url.isascii():
        raise InvalidInput(
            "url", f"The URL must be printable ASCII of at most {URL_MAX} characters."
        )
    allow = outbound.allow_list(current_app.config["WEBHOOK_ALLOW_HOSTS"])
    try:
        outbound.check_url(url, allow, timeout=float(current_app.config["WEBHOOK_CONNECT_TIMEOUT"]))
    except outbound.Refused as err:
        raise InvalidInput("url", f"This URL cannot receive webhooks: {err}.") from None
    return url


def _parse_ids(field: str, noun: str, value: object) -> list[str] | None:
    """`products` or `regions`: 1 to PRODUCTS_MAX well-formed ids, or None (absent) for all.
    They are not checked against the site's: an endpoint may ask for one to come."""
    if value is None:
        return None
    if not isinstance(value, list) or not value or len(value) > PRODUCTS_MAX:
        raise InvalidInput(
            field,
            f"`{field}` must be a list of 1 to {PRODUCTS_MAX} {noun} ids, or absent for all.",
        )
    if not all(isinstance(p, str) and PRODUCT.fullmatch(p) for p in value):
        raise InvalidInput(field, f"A {noun} id is lower-case letters, digits and hyphens.")
    return sorted(set(value))  # type: ignore[arg-type]


@bp.post("/webhooks")
def register() -> Response:
    reg = parse_registration(
        read_body(("topics", "products", "regions"), field_max=URL_MAX + 100)
    )
    session = get_session()
    owned = session.scalar(
        select(func.count())
        .select_from(WebhookEndpoint)
        .where(func.lower(WebhookEndpoint.email) == address_key(reg.email))
    )
    if (owned or 0) < int(current_app.config["WEBHOOK_MAX_PER_ADDRESS"]):
        endpoint = WebhookEndpoint(
            url=reg.url,
            email=reg.email,
            topics=reg.topics,
            products=reg.products,
            regions=reg.regions,
            format=reg.format,
            secret=new_secret(),
            status=EndpointStatus.PENDING,
            token_version=1,
            created_at=utcnow(),
        )
        session.add(endpoint)
        session.flush()
        outbox.enqueue(
            session, kind=CONFIRM_KIND, recipient=reg.email, payload={"endpoint": endpoint.id}
        )
        session.commit()
    return Response(ACCEPTED_JSON, status=202, mimetype="application/json")


def purge_pending(app: Flask) -> None:
    """Forget endpoints never confirmed while their link could still be used (a chore)."""
    lifetime = PURPOSES["webhook-confirm"] or 0
    cutoff = utcnow() - dt.timedelta(seconds=lifetime)
    with session_scope(app) as session:
        session.execute(
            delete(WebhookEndpoint)
            .where(WebhookEndpoint.status == EndpointStatus.PENDING)
            .where(WebhookEndpoint.created_at < cutoff)
            .execution_options(synchronize_session=False)
        )
