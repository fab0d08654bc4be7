"""The regions a subscriber (or a webhook endpoint) limited their notices to (none: every
region), beside their products.

Revision ID: 0009_subscription_regions
Revises: 0008_webhooks
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_subscription_regions"
down_revision: str | None = "0008_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subscriber_regions",
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(63), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name="fk_subscriber_regions_subscriber_id_subscribers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscriber_id", "region", name="pk_subscriber_regions"),
    )
    # Stored as the endpoint's products are: a JSON list, null for every region.
    op.add_column("webhook_endpoints", sa.Column("regions", sa.JSON(), nullable=True))


def downgrade() -> None:
    # Not a batch (which rebuilds the table on SQLite, losing its AUTOINCREMENT): SQLite
    # drops a column in place since 3.35.
    op.drop_column("webhook_endpoints", "regions")
    op.drop_table("subscriber_regions")
