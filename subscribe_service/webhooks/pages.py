"""The endpoint owner's pages: confirm (and see the signing secret once), then manage.

/webhooks/confirm/<token>: GET shows what will be confirmed (link scanners only GET),
POST activates the endpoint and shows its secret, this once, with the manage link.
/webhooks/manage/<token>: the endpoint, its recent deliveries; POSTs rotate the secret
(the new one is shown once), pause, resume, delete, or redeliver one delivery.
Links are signed for their purpose and carry the endpoint's token_version: deleting the
endpoint revokes them. Every POST writes at most a few rows: redeliveries are capped per
endpoint and hour (deliveries.redeliver).
"""

from __future__ import annotations

from flask import Blueprint, request
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from subscribe_service.identity import links, tokens
from subscribe_service.identity.addresses import InvalidInput
from subscribe_service.infra.db import get_session
from subscribe_service.infra.models import OutboxMessage, utcnow
from subscribe_service.web.pages import message, page
from subscribe_service.webhooks import deliveries
from subscribe_service.webhooks.api import new_secret
from subscribe_service.webhooks.models import (
    WEBHOOK_KIND,
    EndpointStatus,
    WebhookDelivery,
    WebhookEndpoint,
)

bp = Blueprint("webhook_pages", __name__, url_prefix="/webhooks")
RECENT = 20  # deliveries listed on the manage page


def confirm_url(endpoint: WebhookEndpoint) -> str:
    token = tokens.make_token("webhook-confirm", endpoint.id, endpoint.token_version)
    return links.service_url(f"webhooks/confirm/{token}")


def manage_url(endpoint: WebhookEndpoint) -> str:
    token = tokens.make_token("webhook-manage", endpoint.id, endpoint.token_version)
    return links.service_url(f"webhooks/manage/{token}")


def _load(purpose: str, token: str) -> WebhookEndpoint:
    data = tokens.read_token(purpose, token)
    endpoint = get_session().get(WebhookEndpoint, data.subscriber_id)
    if endpoint is None or endpoint.token_version != data.token_version:
        raise tokens.TokenError("revoked", "This link no longer works: the endpoint was deleted.")
    return endpoint


@bp.get("/confirm/<token>")
def confirm_page(token: str) -> tuple[str, int]:
    endpoint = _load("webhook-confirm", token)
    return page("webhook_confirm.html", endpoint=endpoint)


@bp.post("/confirm/<token>")
def confirm(token: str) -> tuple[str, int]:
    endpoint = _load("webhook-confirm", token)
    if endpoint.status != EndpointStatus.PENDING:
        return message(
            "Already confirmed",
            "This endpoint was confirmed before. Its signing secret was shown then; "
            "to get a new one, rotate it on the endpoint's page.",
            **{"Manage the endpoint": manage_url(endpoint)},
        )
    endpoint.status = EndpointStatus.ACTIVE
    endpoint.confirmed_at = utcnow()
    get_session().commit()
    return page(
        "webhook_secret.html", endpoint=endpoint, manage_url=manage_url(endpoint), first=True
    )


@bp.get("/manage/<token>")
def manage(token: str) -> tuple[str, int]:
    endpoint = _load("webhook-manage", token)
    return page(
        "webhook_manage.html",
        endpoint=endpoint,
        token=token,
        deliveries=_recent(get_session(), endpoint),
    )


def _recent(
    session: Session, endpoint: WebhookEndpoint
) -> list[tuple[WebhookDelivery, OutboxMessage | None]]:
    """The newest deliveries, each with its newest outbox row (None once purged)."""
    found = list(
        session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.id.desc())
            .limit(RECENT)
        )
    )
    rows: dict[str, OutboxMessage] = {}
    for row in session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.kind == WEBHOOK_KIND,
            OutboxMessage.recipient == deliveries.recipient(endpoint.id),
            OutboxMessage.message_id.in_([d.event_id for d in found]),
        )
        .order_by(OutboxMessage.id)
    ):
        rows[row.message_id or ""] = row  # the newest wins
    return [(d, rows.get(d.event_id)) for d in found]


@bp.post("/manage/<token>/rotate")
def rotate(token: str) -> tuple[str, int]:
    endpoint = _load("webhook-manage", token)
    endpoint.secret = new_secret()
    get_session().commit()
    return page(
        "webhook_secret.html", endpoint=endpoint, manage_url=manage_url(endpoint), first=False
    )


@bp.post("/manage/<token>/pause")
def pause(token: str) -> tuple[str, int]:
    endpoint = _load("webhook-manage", token)
    if endpoint.status == EndpointStatus.ACTIVE:
        endpoint.status = EndpointStatus.PAUSED
        endpoint.paused_reason = "paused by its owner"
        get_session().commit()
    return message(
        "Endpoint paused",
        "Nothing is posted to it until you resume it. Changes announced meanwhile are "
        "posted when you resume.",
        **{"Back to the endpoint": manage_url(endpoint)},
    )


@bp.post("/manage/<token>/resume")
def resume(token: str) -> tuple[str, int]:
    endpoint = _load("webhook-manage", token)
    held = 0
    if endpoint.status == EndpointStatus.PAUSED:
        session = get_session()
        endpoint.status = EndpointStatus.ACTIVE
        endpoint.paused_reason = None
        endpoint.failing_since = None
        held = deliveries.requeue_held(session, endpoint)
        session.commit()
    return message(
        "Endpoint active",
        f"Deliveries go out again; {held} held while it was paused are queued.",
        **{"Back to the endpoint": manage_url(endpoint)},
    )


@bp.post("/manage/<token>/redeliver/<int:delivery_id>")
def redeliver(token: str, delivery_id: int) -> tuple[str, int]:
    endpoint = _load("webhook-manage", token)
    session = get_session()
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        return message(
            "No such delivery", "This endpoint has no delivery with that number.", status=404
        )
    if endpoint.status != EndpointStatus.ACTIVE:
        raise InvalidInput(
            "endpoint", "Resume the endpoint first: a paused endpoint gets nothing.", 409
        )
    try:
        deliveries.redeliver(session, delivery)
    except deliveries.RedeliverRefused as err:
        return message(
            "Not queued", str(err), status=429, **{"Back to the endpoint": manage_url(endpoint)}
        )
    return message(
        "Delivery queued",
        f"The event {delivery.event_id} is posted again, with the same webhook-id.",
        status=202,
        **{"Back to the endpoint": manage_url(endpoint)},
    )


@bp.post("/manage/<token>/delete")
def remove(token: str) -> tuple[str, int]:
    endpoint = _load("webhook-manage", token)
    if request.form.get("confirm") != "yes":
        raise InvalidInput("confirm", "Tick the box to confirm that you want the endpoint deleted.")
    session = get_session()
    delete_endpoint(session, endpoint)
    session.commit()
    return message(
        "Endpoint deleted",
        "Nothing more is posted to it; its deliveries and their record are deleted. "
        "The links to this endpoint no longer work.",
    )


def delete_endpoint(session: Session, endpoint: WebhookEndpoint) -> None:
    """The endpoint, its deliveries and every outbox row of them (the caller commits)."""
    session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.recipient == deliveries.recipient(endpoint.id))
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .execution_options(synchronize_session=False)
    )
    session.delete(endpoint)
    session.flush()
