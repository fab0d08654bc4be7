"""The webhook tables: endpoints (who asked, where to post, what about) and deliveries.

An endpoint is registered `pending`, becomes `active` when its owner follows the emailed
link, and can be `paused` (by its owner, or by the sender after three days of failed
deliveries). A delivery is one event for one endpoint: its `webhook-id` and its body are
fixed when it is queued, so every retry and every redelivery sends the same bytes under
the same id. Its outbox row (mail/outbox.py) carries the state: queued, sent, failed.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from subscribe_service.infra.models import EMAIL_MAX, Base, OutboxMessage, UTCDateTime, utcnow


class EndpointStatus(StrEnum):
    """pending (until its owner confirms) -> active <-> paused (by its owner, or by the
    sender after days of failures)."""

    PENDING = "pending"
    ACTIVE = "active"
    PAUSED = "paused"


ENDPOINT_STATUSES = tuple(EndpointStatus)
FORMATS = ("standard", "slack", "teams")
URL_MAX = 2000
WEBHOOK_KIND = "webhook"  # the outbox kind of a delivery


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'active', 'paused')", name="status_valid"),
        CheckConstraint("format IN ('standard', 'slack', 'teams')", name="format_valid"),
        # AUTOINCREMENT on SQLite: a deleted endpoint's id is never reused, so an old
        # manage link can never reach somebody else's endpoint.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(URL_MAX))
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), index=True)
    topics: Mapped[list[str]] = mapped_column(JSON)
    products: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)  # None: all
    regions: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)  # migration 0009
    format: Mapped[str] = mapped_column(String(16))
    secret: Mapped[str] = mapped_column(String(100))  # "whsec_" + base64 of 32 bytes
    status: Mapped[str] = mapped_column(String(16), default=EndpointStatus.PENDING)
    paused_reason: Mapped[str | None] = mapped_column(String(200))
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    # The first failed attempt since the last delivered one; None while deliveries work.
    failing_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_endpoint_id", "endpoint_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(64), unique=True)  # the webhook-id header
    event_type: Mapped[str] = mapped_column(String(64))
    change_id: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    endpoint: Mapped[WebhookEndpoint] = relationship()


# An endpoint's rows in the outbox, and a delivery's (they share its event id as
# message_id): partial, so mail rows (the subscribe endpoint's inserts among them) never
# pay for it. Migration 0008.
Index(
    "ix_outbox_webhook_recipient",
    OutboxMessage.recipient,
    OutboxMessage.message_id,
    sqlite_where=text("kind = 'webhook'"),
    postgresql_where=text("kind = 'webhook'"),
)
