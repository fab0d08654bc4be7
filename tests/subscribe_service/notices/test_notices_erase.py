"""An erase leaves the address nowhere: no table row on either database still holds it,
including the privacy team's objection alert that had not gone out yet."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select, text

from subscribe_service.identity import tokens
from subscribe_service.infra.db import get_database, session_scope
from subscribe_service.infra.models import OutboxMessage, Subscriber
from tests.subscribe_service.notices.test_notices_objections import PRIVACY, SITE, UPCOMING
from tests.support.notices_helpers import add_subscriber_to, invoke
from tests.support.service_mail import link, path_of

ADDRESS = "Ann.Erased@Client.example"
REASON = "Objection reason 7f3e: no transfers to Ruritania."


@pytest.fixture
def app(backend_app):
    return backend_app


def rows_holding(app, *needles: str) -> list[tuple[str, tuple]]:
    """Every row of every table whose text (any column) holds one of `needles`,
    compared without regard to case."""
    engine = get_database(app).engine
    found = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            if table == "alembic_version":
                continue
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                flat = " ".join(str(value) for value in row).lower()
                if any(needle.lower() in flat for needle in needles):
                    found.append((table, tuple(row)))
    return found


def test_after_an_erase_no_row_holds_the_address_or_the_reason(
    app, changes_file, smtp_server, send_all
):
    add_subscriber_to(app, ADDRESS, topics=["subprocessors", "dpa"])
    add_subscriber_to(app, "other@client.example", topics=["subprocessors"])
    assert invoke(app, "notify", "--all", str(changes_file(UPCOMING))).exit_code == 0
    send_all(app)
    [notice] = smtp_server.messages_to(ADDRESS)
    client = app.test_client()
    # Objections queue a receipt and an alert to the privacy team; none is sent yet.
    answer = client.post(
        path_of(link(notice, "object")), data={"reason": REASON}, headers={"Origin": SITE}
    )
    assert answer.status_code == 200
    # A preferences link asked for in another letter case: queued, not sent.
    asked = client.post("/api/manage-links", json={"email": ADDRESS.upper()})
    assert asked.status_code == 202
    with app.app_context(), session_scope(app) as session:
        pending = session.scalars(
            select(OutboxMessage.kind).where(OutboxMessage.status == "queued")
        ).all()
        assert sorted(pending) == ["manage", "objection_alert", "objection_receipt"]
        ann = session.scalar(select(Subscriber).where(Subscriber.email == ADDRESS))
        manage = f"/manage/{tokens.make_token('manage', ann.id, ann.token_version)}/erase"
    assert {table for table, _ in rows_holding(app, ADDRESS, REASON)} == {
        "subscribers",
        "outbox",
        "objections",
    }

    erased = client.post(manage, data={"confirm": "yes"}, headers={"Origin": SITE})

    assert erased.status_code == 200, erased.get_data(as_text=True)
    assert rows_holding(app, ADDRESS, REASON) == []
    # The other subscriber's mail history is untouched, and nothing about Ann goes out.
    assert rows_holding(app, "other@client.example")
    smtp_server.clear()
    send_all(app)
    assert [m["To"] for m in smtp_server.messages if m["To"] == PRIVACY] == []
    assert smtp_server.messages_to(ADDRESS) == []
