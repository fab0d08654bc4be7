"""Requests for the current DPA and data subject requests referred to controllers.

Revision ID: 0003_requests
Revises: 0002_objections
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_requests"
down_revision: str | None = "0002_objections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
STATUS_CHECK = "status IN ('received', 'referred', 'closed')"


def upgrade() -> None:
    op.create_table(
        "dpa_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("company", sa.String(200), nullable=False),
        sa.Column("company_key", sa.String(200), nullable=False),
        sa.Column("signed_version", sa.String(20), nullable=True),
        sa.Column("current_version", sa.String(20), nullable=True),
        sa.Column("times_requested", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint(STATUS_CHECK, name="ck_dpa_requests_status_valid"),
        sa.PrimaryKeyConstraint("id", name="pk_dpa_requests"),
    )
    op.create_index("ix_dpa_requests_email_company", "dpa_requests", ["email", "company_key"])
    op.create_index("ix_dpa_requests_created_at", "dpa_requests", ["created_at"])
    op.create_table(
        "subject_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("request_type", sa.String(32), nullable=False),
        sa.Column("controller", sa.String(200), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint(STATUS_CHECK, name="ck_subject_requests_status_valid"),
        sa.PrimaryKeyConstraint("id", name="pk_subject_requests"),
    )
    op.create_index("ix_subject_requests_created_at", "subject_requests", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_subject_requests_created_at", table_name="subject_requests")
    op.drop_table("subject_requests")
    op.drop_index("ix_dpa_requests_created_at", table_name="dpa_requests")
    op.drop_index("ix_dpa_requests_email_company", table_name="dpa_requests")
    op.drop_table("dpa_requests")
