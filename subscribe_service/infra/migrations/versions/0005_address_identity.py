"""An address is one subscriber however its letters are cased.

`Ann@Example.com` and `ann@example.com` are one mailbox: subscribers are unique by
lower(email), and suppressions are looked up the same way, through an index on that
expression on both. The address itself stays as written (it is what mails show).
The old exact-match unique constraint stays too: it is implied by the new index, and
dropping it would mean rebuilding the table on SQLite, where the rebuild's DROP TABLE
would cascade to every row that refers to a subscriber.

A database that already holds two subscribers differing only in case cannot get the
new index; the upgrade stops and says how to find them (merge or erase one of each).

Revision ID: 0005_address_identity
Revises: 0004_outbox_partial_indexes
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_address_identity"
down_revision: str | None = "0004_outbox_partial_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOWER_EMAIL = sa.text("lower(email)")
_CLASHES = sa.text(
    "SELECT count(*) FROM (SELECT lower(email) AS k FROM subscribers "
    "GROUP BY lower(email) HAVING count(*) > 1) AS clashes"
)


def upgrade() -> None:
    clashes = op.get_bind().execute(_CLASHES).scalar() or 0
    if clashes:
        raise RuntimeError(
            f"{clashes} subscriber address(es) are stored more than once in different "
            "letter case; list them with SELECT lower(email), count(*) FROM subscribers "
            "GROUP BY lower(email) HAVING count(*) > 1, keep one row of each (erase the "
            "others), then run the upgrade again."
        )
    op.create_index("uq_subscribers_email_key", "subscribers", [LOWER_EMAIL], unique=True)
    op.create_index("ix_suppressions_email_key", "suppressions", [LOWER_EMAIL])


def downgrade() -> None:
    op.drop_index("ix_suppressions_email_key", table_name="suppressions")
    op.drop_index("uq_subscribers_email_key", table_name="subscribers")
