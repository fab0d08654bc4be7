"""Requests for the security audit reports, and their downloads.

Revision ID: 0006_report_requests
Revises: 0005_address_identity
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_report_requests"
down_revision: str | None = "0005_address_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "report_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("company", sa.String(200), nullable=False),
        sa.Column("report", sa.String(63), nullable=False),
        sa.Column("nda_version", sa.String(20), nullable=False),
        sa.Column("nda_accepted_at", TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("link_expires_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint(
            "status IN ('received', 'approved', 'declined')",
            name="ck_report_requests_status_valid",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_report_requests"),
    )
    op.create_index("ix_report_requests_created_at", "report_requests", ["created_at"])
    op.create_table(
        "report_downloads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("downloaded_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["report_requests.id"],
            name="fk_report_downloads_request_id_report_requests",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_report_downloads"),
        sa.UniqueConstraint("request_id", "day", name="uq_report_downloads_day"),
    )
    op.create_index("ix_report_downloads_request_id", "report_downloads", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_report_downloads_request_id", table_name="report_downloads")
    op.drop_table("report_downloads")
    op.drop_index("ix_report_requests_created_at", table_name="report_requests")
    op.drop_table("report_requests")
