"""The database engines never write a statement's values into an error (and so into a log
line or an error report): they are names, addresses and companies. Neither the statement's
parameters (hide_parameters) nor PostgreSQL's DETAIL ("Failing row contains (...)",
"Key (email)=(...)"). On SQLite and PostgreSQL: the pooled engine, the autocommit one and
the subscribe path's own driver insert."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from subscribe_service.infra.db import get_database
from subscribe_service.infra.models import OutboxMessage
from subscribe_service.mail.groupcommit import _DriverInsert

PERSONAL = "ada.brandt@client.example"


def _no_personal_data(err: DBAPIError, caplog) -> None:
    message = str(err)
    assert "SQL parameters hidden" in message
    assert PERSONAL not in message
    logging.getLogger("subscribe_service").error("as the app logs it", exc_info=err)
    assert PERSONAL not in caplog.text


@pytest.mark.parametrize("autocommit", [False, True])
@pytest.mark.parametrize(
    "statement",
    [
        # NOT NULL: PostgreSQL's DETAIL quotes the whole failing row.
        "INSERT INTO outbox (id, recipient) VALUES (1, :email)",
        # A duplicate key: PostgreSQL's DETAIL quotes the key's value.
        "INSERT INTO suppressions (email, reason, created_at) VALUES "
        "(:email, 'x', CURRENT_TIMESTAMP), (:email, 'x', CURRENT_TIMESTAMP)",
    ],
)
def test_a_failed_statement_does_not_quote_its_values(
    backend_app, caplog, autocommit, statement
) -> None:
    database = get_database(backend_app)
    engine = database.statements if autocommit else database.engine
    with pytest.raises(DBAPIError) as failed, engine.begin() as conn:
        conn.execute(text(statement), {"email": PERSONAL})
    _no_personal_data(failed.value, caplog)


def test_the_subscribe_paths_own_insert_does_not_quote_its_values(backend_app, caplog) -> None:
    insert = _DriverInsert(
        get_database(backend_app).statements, OutboxMessage.__table__, ["kind", "recipient"]
    )
    with pytest.raises(DBAPIError) as failed:
        insert.execute([{"kind": None, "recipient": PERSONAL}])
    _no_personal_data(failed.value, caplog)
