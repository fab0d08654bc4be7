"""Queue webhook deliveries, redeliver one, and follow an endpoint's failures.

`queue_for_notice` is `notify`'s hook: for a new notice, one delivery (and its outbox
row) per active endpoint of its topic that the change reaches (contract.change_touches
with the endpoint's products and regions), its body holding only the part that reaches
it, written in `notify`'s transaction. `redeliver` queues a delivery again under its
webhook-id. `record_failure` and `record_success` keep `failing_since`: after WEBHOOK_PAUSE_AFTER
seconds (three days) of nothing but failures the endpoint is paused and its owner mailed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from flask import current_app
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from subscribe_service.infra.models import Notice, OutboxMessage, OutboxStatus, utcnow
from subscribe_service.mail import outbox
from subscribe_service.notices.render import reaches, scoped_change
from subscribe_service.web.pages import site_scope_names
from subscribe_service.webhooks import formats
from subscribe_service.webhooks.models import (
    WEBHOOK_KIND,
    EndpointStatus,
    WebhookDelivery,
    WebhookEndpoint,
)

PAUSED_KIND = "webhook-paused"  # the mail to an endpoint's owner when it is paused
FAILING = "deliveries failed for three days"


def recipient(endpoint_id: int) -> str:
    """The outbox row's recipient for a delivery: the endpoint, never the owner's address."""
    return f"webhook:{endpoint_id}"


def new_event_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def queue_for_notice(session: Session, notice: Notice) -> int:
    """Queue the notice to every confirmed endpoint that wants it; the number queued.
    A paused endpoint's delivery is held (cancelled by the sender) and queued again when
    its owner resumes it."""
    endpoints = session.execute(  # columns, not ORM objects: thousands of rows
        select(
            WebhookEndpoint.id,
            WebhookEndpoint.topics,
            WebhookEndpoint.products,
            WebhookEndpoint.regions,
            WebhookEndpoint.format,
        )
        .where(WebhookEndpoint.status.in_((EndpointStatus.ACTIVE, EndpointStatus.PAUSED)))
        .order_by(WebhookEndpoint.id)
    )
    wanted = [
        e
        for e in endpoints
        if notice.topic in e.topics and reaches(notice, e.products, e.regions)
    ]
    if not wanted:
        return 0
    company = str((notice.site or {}).get("company") or current_app.config["COMPANY_NAME"])
    moment = notice.created_at
    names = site_scope_names()
    # One body per format and scope: endpoints of the same choice get the same bytes.
    bodies: dict[tuple[str, tuple[str, ...] | None, tuple[str, ...] | None], str] = {}
    for endpoint in wanted:
        key = _body_key(endpoint)
        if key not in bodies:
            record = scoped_change(notice, endpoint.products, endpoint.regions)
            bodies[key] = formats.body(endpoint.format, record, company, moment, names)
    # Core inserts on the tables, one executemany per table for every endpoint at once:
    # the ORM's unit of work per row, and even its bulk insert of dicts, took longer
    # than posting the deliveries. A delivery and its outbox rows share the event id
    # (the row's message_id), which links them.
    rows = [(endpoint.id, new_event_id(), bodies[_body_key(endpoint)]) for endpoint in wanted]
    session.execute(
        insert(WebhookDelivery.__table__),
        [
            {
                "endpoint_id": endpoint_id,
                "event_id": event_id,
                "event_type": formats.EVENT_TYPE,
                "change_id": notice.change_id,
                "body": body,
                "created_at": moment,
            }
            for endpoint_id, event_id, body in rows
        ],
    )
    session.execute(
        insert(OutboxMessage.__table__),
        [_outbox_values(endpoint_id, event_id, moment) for endpoint_id, event_id, _ in rows],
    )
    return len(rows)


def _body_key(endpoint: Any) -> tuple[str, tuple[str, ...] | None, tuple[str, ...] | None]:
    def scope(ids: list[str] | None) -> tuple[str, ...] | None:
        return None if ids is None else tuple(sorted(ids))

    return endpoint.format, scope(endpoint.products), scope(endpoint.regions)


def _outbox_values(
    endpoint_id: int, event_id: str, now: dt.datetime, **payload: Any
) -> dict[str, Any]:
    return {
        "message_id": event_id,  # the sender keeps a row's own (a mail gets a Message-ID)
        "kind": WEBHOOK_KIND,
        "recipient": recipient(endpoint_id),
        "payload": payload,
        "status": OutboxStatus.QUEUED,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def latest_row(session: Session, delivery: WebhookDelivery) -> OutboxMessage | None:
    """The newest outbox row that carries `delivery` (a redelivery adds one)."""
    return session.scalar(
        select(OutboxMessage)
        .where(
            OutboxMessage.kind == WEBHOOK_KIND,
            OutboxMessage.recipient == recipient(delivery.endpoint_id),
            OutboxMessage.message_id == delivery.event_id,
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )


class RedeliverRefused(Exception):
    """Why a delivery cannot be queued again right now, in words for the owner."""


def redeliver(session: Session, delivery: WebhookDelivery) -> None:
    """Queue `delivery` again (same webhook-id, same body); at most WEBHOOK_REDELIVER_PER_HOUR
    per endpoint, and not while it is still queued."""
    current = latest_row(session, delivery)
    if current is not None and current.status in (OutboxStatus.QUEUED, OutboxStatus.SENDING):
        raise RedeliverRefused("This delivery is still queued: it will be tried again anyway.")
    limit = int(current_app.config["WEBHOOK_REDELIVER_PER_HOUR"])
    hour_ago = utcnow() - dt.timedelta(hours=1)
    recent = session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.kind == WEBHOOK_KIND,
            OutboxMessage.recipient == recipient(delivery.endpoint_id),
            OutboxMessage.payload["redelivery"].as_boolean().is_(True),
            OutboxMessage.created_at >= hour_ago,
        )
    )
    if (recent or 0) >= limit:
        raise RedeliverRefused(
            f"At most {limit} redeliveries an hour per endpoint: try again later."
        )
    now = utcnow()
    session.execute(
        insert(OutboxMessage),
        [_outbox_values(delivery.endpoint_id, delivery.event_id, now, redelivery=True)],
    )
    session.commit()


def requeue_held(session: Session, endpoint: WebhookEndpoint) -> int:
    """On resume: queue again the deliveries cancelled while the endpoint was paused."""
    held = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.kind == WEBHOOK_KIND,
            OutboxMessage.recipient == recipient(endpoint.id),
            OutboxMessage.status == OutboxStatus.CANCELLED,
            OutboxMessage.last_error == HELD,
        )
    ).all()
    now = utcnow()
    for row in held:
        row.last_error = RELEASED  # queued again once, never twice
        session.add(OutboxMessage(**_outbox_values(endpoint.id, row.message_id or "", now)))
    session.flush()
    return len(held)


RELEASED = "endpoint paused; queued again when it was resumed"
HELD = "endpoint paused"  # the reason a delivery to a paused endpoint is cancelled


def record_success(session: Session, endpoint_id: int) -> None:
    session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.failing_since.is_not(None))
        .values(failing_since=None)
        .execution_options(synchronize_session=False)
    )


def record_failure(session: Session, endpoint_id: int, reason: str, *, pause_after: float) -> bool:
    """Note a failed attempt; pause the endpoint (and mail its owner) once it has failed
    for `pause_after` seconds. True when it was paused now."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        return False
    now = utcnow()
    if endpoint.failing_since is None:
        endpoint.failing_since = now
        return False
    if endpoint.status != EndpointStatus.ACTIVE:
        return False
    if (now - endpoint.failing_since).total_seconds() < pause_after:
        return False
    endpoint.status = EndpointStatus.PAUSED
    endpoint.paused_reason = FAILING
    outbox.enqueue(
        session,
        kind=PAUSED_KIND,
        recipient=endpoint.email,
        payload={"endpoint": endpoint.id, "last_error": reason[:300]},
    )
    return True
