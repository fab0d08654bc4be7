"""db.one_of: `column IN (values)` as one array parameter on PostgreSQL and an expanding IN
elsewhere; the same rows either way, whatever the values hold and however many."""

from __future__ import annotations

import pytest
from sqlalchemy import String, func, select

from subscribe_service.infra.db import get_database, one_of, session_scope
from subscribe_service.infra.models import Suppression

STORED = ["plain@client.example", "o'brien@client.example", 'quote"d@client.example']


@pytest.mark.parametrize(
    "asked, found",
    [
        ([], set()),
        (["plain@client.example"], {"plain@client.example"}),
        ([*STORED, "absent@client.example"], set(STORED)),
        (["x@client.example') OR 1=1 --", "%@client.example"], set()),
        ([*(f"n{i}@client.example" for i in range(500)), STORED[1]], {STORED[1]}),
    ],
)
def test_one_of_finds_exactly_the_rows_named(backend_app, asked, found):
    with backend_app.app_context(), session_scope(backend_app) as session:
        session.add_all(Suppression(email=email, reason="550 test") for email in STORED)
    postgresql = get_database(backend_app).engine.dialect.name == "postgresql"
    column = func.lower(Suppression.email)
    query = select(column).where(one_of(column, "keys", postgresql, String()))
    with backend_app.app_context(), session_scope(backend_app) as session:
        assert set(session.scalars(query, {"keys": asked})) == found
