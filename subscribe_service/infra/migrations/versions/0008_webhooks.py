"""Webhook endpoints and their deliveries.

Revision ID: 0008_webhooks
Revises: 0007_subscription_products
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_webhooks"
down_revision: str | None = "0007_subscription_products"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("products", sa.JSON(), nullable=True),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("paused_reason", sa.String(200), nullable=True),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("failing_since", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("confirmed_at", TS, nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'active', 'paused')", name="ck_webhook_endpoints_status_valid"
        ),
        sa.CheckConstraint(
            "format IN ('standard', 'slack', 'teams')", name="ck_webhook_endpoints_format_valid"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_endpoints"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_webhook_endpoints_email", "webhook_endpoints", ["email"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("change_id", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoints.id"],
            name="fk_webhook_deliveries_endpoint_id_webhook_endpoints",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_deliveries"),
        sa.UniqueConstraint("event_id", name="uq_webhook_deliveries_event_id"),
    )
    op.create_index(
        "ix_webhook_deliveries_endpoint_id", "webhook_deliveries", ["endpoint_id", "id"]
    )
    # An endpoint's rows in the outbox (delete, redelivery limit). Partial: mail rows,
    # the subscribe endpoint's inserts among them, never pay for it.
    op.create_index(
        "ix_outbox_webhook_recipient",
        "outbox",
        ["recipient", "message_id"],
        sqlite_where=sa.text("kind = 'webhook'"),
        postgresql_where=sa.text("kind = 'webhook'"),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_webhook_recipient", table_name="outbox")
    op.drop_index("ix_webhook_deliveries_endpoint_id", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_index("ix_webhook_endpoints_email", table_name="webhook_endpoints")
    op.drop_table("webhook_endpoints")
