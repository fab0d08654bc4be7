"""Objections to announced changes, and the site each notice came from.

`notices.site` keeps the changes.json `site` block (company, URL, privacy contact) once per
notice: the objection page and the privacy team's copy need the privacy contact.

Revision ID: 0002_objections
Revises: 0001_subscriptions
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_objections"
down_revision: str | None = "0001_subscriptions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("notices", sa.Column("site", sa.JSON(), nullable=True))
    op.create_table(
        "objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("objected_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name="fk_objections_subscriber_id_subscribers",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.id"],
            name="fk_objections_notice_id_notices",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_objections"),
        sa.UniqueConstraint("subscriber_id", "notice_id", name="uq_objections_subscriber_notice"),
    )
    op.create_index("ix_objections_subscriber_id", "objections", ["subscriber_id"])
    op.create_index("ix_objections_notice_id", "objections", ["notice_id"])


def downgrade() -> None:
    op.drop_index("ix_objections_notice_id", table_name="objections")
    op.drop_index("ix_objections_subscriber_id", table_name="objections")
    op.drop_table("objections")
    with op.batch_alter_table("notices") as batch:
        batch.drop_column("site")
