"""The mail store reads a claimed batch with what renderers need: the subscribers'
topics, products and regions come from one query for the whole batch, say exactly what
the database holds, and a change made during the batch is seen at once. A batch that
cannot be read goes back to the queue at once."""

from __future__ import annotations

import pytest
from sqlalchemy import event, inspect

from subscribe_service.infra.db import get_database, session_scope
from subscribe_service.infra.models import SubscriberProduct, SubscriberRegion
from subscribe_service.mail import outbox
from subscribe_service.mail.store import SqlStore
from subscribe_service.subscribers.lifecycle import set_products, set_regions
from tests.support.notices_helpers import add_subscriber_to, outbox_rows

# (topics, products, regions) as stored; no products (regions) is every product (region).
SCOPES = [
    (("subprocessors",), (), ()),
    (("dpa", "subprocessors"), ("sms",), ()),
    (("faq",), ("inbox", "sms"), ("eu", "us")),
    (("privacy",), (), ("us",)),
]


def subscribers_with_mail(app, copies: int = 1, prefix: str = "reader") -> dict[int, tuple]:
    """Subscribers in SCOPES (`copies` of each), each with one queued mail; by id."""
    made = {}
    for n in range(copies):
        for k, (topics, products, regions) in enumerate(SCOPES):
            email = f"{prefix}{k}-{n}@client.example"
            pk = add_subscriber_to(app, email, topics=topics)
            with app.app_context(), session_scope(app) as session:
                session.add_all(SubscriberProduct(subscriber_id=pk, product=p) for p in products)
                session.add_all(SubscriberRegion(subscriber_id=pk, region=r) for r in regions)
                outbox.enqueue(session, kind="probe", recipient=email, payload={}, subscriber_id=pk)
            made[pk] = (topics, products, regions)
    return made


def selects_during_claim(app, store: SqlStore) -> tuple[list, int]:
    """What `claim` hands over (checked inside the batch) and how many SELECTs it ran."""
    engine = get_database(app).engine
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with store.claim() as claim:
            seen = [
                (m.subscriber.id, m.subscriber.topic_names, m.subscriber.product_ids,
                 m.subscriber.region_ids, inspect(m.subscriber).unloaded)
                for m in claim.messages
            ]  # fmt: skip
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return seen, sum(1 for s in statements if s.lstrip().upper().startswith(("SELECT", "(SELECT")))


def test_a_batch_reads_every_subscriber_scope_in_one_query(backend_app):
    made = subscribers_with_mail(backend_app, copies=3)
    store = SqlStore(backend_app, "A")
    seen, selects = selects_during_claim(backend_app, store)
    assert len(seen) == len(made)
    for pk, topics, products, regions, unloaded in seen:
        want_topics, want_products, want_regions = made[pk]
        assert sorted(topics) == sorted(want_topics)
        assert products == (sorted(want_products) or None)
        assert regions == (sorted(want_regions) or None)
        # Read from the batch's one query, not by loading each subscriber's collections.
        assert {"topics", "products", "regions"} <= unloaded
    # The rows with their subscribers, their notices, the scopes and the suppressed
    # addresses: the same few queries whatever the batch's size.
    assert selects <= 4, selects


def test_the_number_of_queries_does_not_grow_with_the_batch(backend_app):
    subscribers_with_mail(backend_app, copies=1)
    _, small = selects_during_claim(backend_app, SqlStore(backend_app, "A"))
    subscribers_with_mail(backend_app, copies=5, prefix="more")
    _, large = selects_during_claim(backend_app, SqlStore(backend_app, "B"))
    assert large == small


def test_a_scope_changed_during_the_batch_is_seen_at_once(backend_app):
    made = subscribers_with_mail(backend_app)
    everything = next(pk for pk, (_t, p, r) in made.items() if not p and not r)
    store = SqlStore(backend_app, "A")
    with store.claim() as claim:
        subscriber = next(m.subscriber for m in claim.messages if m.subscriber_id == everything)
        assert (subscriber.product_ids, subscriber.region_ids) == (None, None)
        set_products(subscriber, ["sms"])
        set_regions(subscriber, ["eu"])
        assert (subscriber.product_ids, subscriber.region_ids) == (["sms"], ["eu"])
        store.session.rollback()


def test_a_batch_that_cannot_be_read_goes_back_to_the_queue_at_once(backend_app):
    """The database fails between the claim (committed) and the read: the rows are due
    again after the backoff, not leased for SEND_LEASE_SECONDS, the attempt counted."""
    made = subscribers_with_mail(backend_app)
    store = SqlStore(backend_app, "A")
    read = store._load

    def failing(session, ids):  # type: ignore[no-untyped-def]
        raise RuntimeError("server closed the connection unexpectedly")

    store._load = failing  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="closed the connection"), store.claim():
        pytest.fail("a batch that could not be read was handed over")
    rows = outbox_rows(backend_app)
    assert len(rows) == len(made)
    for row in rows:
        assert (row.status, row.lease_owner, row.lease_until, row.attempts) == (
            "queued",
            None,
            None,
            1,
        )
        assert row.last_error.startswith("reading the batch failed: RuntimeError(")
    store._load = read  # type: ignore[method-assign]
    with store.claim() as claim:  # the test app's backoff is 0: due again at once
        assert sorted(m.id for m in claim.messages) == sorted(r.id for r in rows)
        assert {m.attempts for m in claim.messages} == {2}
        store.session.rollback()
