"""Subscribers, their topics, notices, the outbox and suppressed addresses.

Revision ID: 0001_subscriptions
Revises:
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_subscriptions"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "subscribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("consent_at", TS, nullable=True),
        sa.Column("consent_source", sa.String(500), nullable=True),
        sa.Column("consent_text", sa.Text(), nullable=True),
        sa.Column("confirmed_at", TS, nullable=True),
        sa.Column("unsubscribed_at", TS, nullable=True),
        sa.Column("suppressed_at", TS, nullable=True),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'unsubscribed')",
            name="ck_subscribers_status_valid",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_subscribers"),
        sa.UniqueConstraint("email", name="uq_subscribers_email"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "subscriber_topics",
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name="fk_subscriber_topics_subscriber_id_subscribers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscriber_id", "topic", name="pk_subscriber_topics"),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.String(200), nullable=False),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("change", sa.JSON(), nullable=False),
        sa.Column("baseline", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notices"),
        sa.UniqueConstraint("change_id", name="uq_notices_change_id"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=True),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("lease_owner", sa.String(100), nullable=True),
        sa.Column("lease_until", TS, nullable=True),
        sa.Column("message_id", sa.String(300), nullable=True),
        sa.Column("smtp_reply", sa.String(1000), nullable=True),
        sa.Column("last_error", sa.String(1000), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'cancelled')",
            name="ck_outbox_status_valid",
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name="fk_outbox_subscriber_id_subscribers",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.id"],
            name="fk_outbox_notice_id_notices",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("notice_id", "subscriber_id", name="uq_outbox_notice_subscriber"),
    )
    op.create_index("ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_subscriber_id", "outbox", ["subscriber_id"])
    op.create_index("ix_outbox_notice_id", "outbox", ["notice_id"])
    op.create_table(
        "suppressions",
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("email", name="pk_suppressions"),
    )


def downgrade() -> None:
    op.drop_table("suppressions")
    op.drop_index("ix_outbox_notice_id", table_name="outbox")
    op.drop_index("ix_outbox_subscriber_id", table_name="outbox")
    op.drop_index("ix_outbox_status_next_attempt_at", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("notices")
    op.drop_table("subscriber_topics")
    op.drop_table("subscribers")
