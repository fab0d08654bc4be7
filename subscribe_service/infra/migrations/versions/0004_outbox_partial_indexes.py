"""Outbox indexes that skip the rows they cannot match.

Rows queued by the API (confirmation and preference mails) have no notice and, until
the sender records them, no subscriber. Indexing their NULLs bought nothing and cost
every subscribe request three index insertions. The (notice, subscriber) uniqueness and
the subscriber index now cover only rows that have those values (every query on them
asks for a value, so the database still uses them), and the notice index goes: the
unique index leads with the notice and serves those queries.

Revision ID: 0004_outbox_partial_indexes
Revises: 0003_requests
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_outbox_partial_indexes"
down_revision: str | None = "0003_requests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HAS_NOTICE = sa.text("notice_id IS NOT NULL")
HAS_SUBSCRIBER = sa.text("subscriber_id IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_outbox_notice_id", table_name="outbox")
    op.drop_index("ix_outbox_subscriber_id", table_name="outbox")
    # SQLite cannot drop a table constraint: batch mode rebuilds the table without it.
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint("uq_outbox_notice_subscriber", type_="unique")
    op.create_index(
        "uq_outbox_notice_subscriber",
        "outbox",
        ["notice_id", "subscriber_id"],
        unique=True,
        sqlite_where=HAS_NOTICE,
        postgresql_where=HAS_NOTICE,
    )
    op.create_index(
        "ix_outbox_subscriber_id",
        "outbox",
        ["subscriber_id"],
        sqlite_where=HAS_SUBSCRIBER,
        postgresql_where=HAS_SUBSCRIBER,
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_subscriber_id", table_name="outbox")
    op.drop_index("uq_outbox_notice_subscriber", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.create_unique_constraint(
            "uq_outbox_notice_subscriber", ["notice_id", "subscriber_id"]
        )
    op.create_index("ix_outbox_subscriber_id", "outbox", ["subscriber_id"])
    op.create_index("ix_outbox_notice_id", "outbox", ["notice_id"])
