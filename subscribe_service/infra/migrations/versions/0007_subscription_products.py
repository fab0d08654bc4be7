"""The products a subscriber limited their notices to (none: every product).

Revision ID: 0007_subscription_products
Revises: 0006_report_requests
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_subscription_products"
down_revision: str | None = "0006_report_requests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subscriber_products",
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(63), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name="fk_subscriber_products_subscriber_id_subscribers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscriber_id", "product", name="pk_subscriber_products"),
    )


def downgrade() -> None:
    op.drop_table("subscriber_products")
