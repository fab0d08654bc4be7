"""claim_batch: one statement leases the due rows, fails the spent ones and names each
claimed row's mail (its Message-ID), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import update

from subscribe_service.infra.db import session_scope
from subscribe_service.infra.models import OutboxMessage, utcnow
from subscribe_service.mail import claim as claiming
from subscribe_service.mail import outbox

DOMAIN = "trust.larkspur.example"


def queued(app, count: int) -> list[int]:
    with app.app_context(), session_scope(app) as s:
        return [
            outbox.enqueue(s, kind="probe", recipient=f"c{i}@example.com", payload={}).id
            for i in range(count)
        ]


def claim(app, owner: str = "A", limit: int = 10, **options) -> claiming.Batch:
    """As the sender claims: SKIP LOCKED on PostgreSQL (its own pick), not on SQLite."""
    with app.app_context(), session_scope(app) as s:
        postgresql = s.get_bind().dialect.name == "postgresql"
        return claiming.claim_batch(
            s, owner=owner, limit=limit, lease_seconds=60, skip_locked=postgresql,
            message_domain=DOMAIN, **options,
        )  # fmt: skip


def rows(app, ids: list[int]) -> list[OutboxMessage]:
    with app.app_context(), session_scope(app) as s:
        found = [s.get(OutboxMessage, pk) for pk in ids]
        s.expunge_all()
        return found  # type: ignore[return-value]


def test_claimed_rows_are_leased_in_order_and_named(backend_app):
    ids = queued(backend_app, 5)
    now = utcnow()
    with backend_app.app_context(), session_scope(backend_app) as s:
        # Due in the reverse order of their ids: the batch follows next_attempt_at.
        for k, pk in enumerate(ids):
            s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == pk)
                .values(next_attempt_at=now - dt.timedelta(seconds=k))
            )
    batch = claim(backend_app, limit=4)
    assert batch == claiming.Batch(ids[::-1][:4], [])
    claimed = rows(backend_app, batch.ids)
    assert {(r.status, r.lease_owner, r.attempts) for r in claimed} == {("sending", "A", 1)}
    for r in claimed:
        assert re.fullmatch(rf"<[0-9a-f]{{32}}\.{r.id}@trust\.larkspur\.example>", r.message_id)
    assert len({r.message_id for r in claimed}) == 4
    (left,) = rows(backend_app, [ids[0]])
    assert (left.status, left.message_id, left.attempts) == ("queued", None, 0)
    assert claim(backend_app, owner="B").ids == [ids[0]]  # the rest is leased to A


def test_a_row_claimed_again_keeps_its_message_id(backend_app):
    pk, later = queued(backend_app, 2)
    assert claim(backend_app, limit=1).ids == [pk]
    (first,) = rows(backend_app, [pk])
    with backend_app.app_context(), session_scope(backend_app) as s:  # A died: lease over
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == pk)
            .values(lease_until=utcnow() - dt.timedelta(seconds=1))
        )
    # The expired lease and the queued row, in the order they were due.
    assert claim(backend_app, owner="B").ids == [pk, later]
    (again,) = rows(backend_app, [pk])
    assert (again.message_id, again.attempts, again.lease_owner) == (first.message_id, 2, "B")


def test_a_spent_row_is_failed_in_the_same_statement_and_not_named(backend_app):
    spent, fresh = queued(backend_app, 2)
    with backend_app.app_context(), session_scope(backend_app) as s:
        s.execute(update(OutboxMessage).where(OutboxMessage.id == spent).values(attempts=3))
    assert claim(backend_app, max_attempts=3) == claiming.Batch([fresh], [spent])
    failed, leased = rows(backend_app, [spent, fresh])
    assert (failed.status, failed.lease_owner, failed.attempts) == ("failed", None, 3)
    assert failed.last_error == "gave up: all 3 attempts used" and failed.message_id is None
    assert (leased.status, leased.attempts) == ("sending", 1)


def test_nothing_due_claims_nothing(backend_app):
    (pk,) = queued(backend_app, 1)
    with backend_app.app_context(), session_scope(backend_app) as s:
        s.execute(update(OutboxMessage).values(next_attempt_at=utcnow() + dt.timedelta(hours=1)))
    assert claim(backend_app) == claiming.Batch([], [])
    (row,) = rows(backend_app, [pk])
    assert (row.status, row.message_id, row.attempts) == ("queued", None, 0)
