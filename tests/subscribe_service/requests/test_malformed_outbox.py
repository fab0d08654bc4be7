"""An outbox row whose payload is malformed (the corpus's `outbox_payloads`: `[]`, `null`, a
string, an id that is not a row's; on SQLite even text that is not JSON) neither blocks
`requests erase` or `requests purge` nor outlives them, and is never sent; on SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from subscribe_service.infra.db import session_scope
from subscribe_service.infra.models import OutboxMessage
from subscribe_service.requests.records import DPA_COPY, DPA_TEAM, SUBJECT_ACK
from subscribe_service.requests.reports.gate import REPORT_APPROVED, REPORT_RECEIVED, REPORT_TEAM
from tests.support.requests_data import RETENTION_DAYS, sql

DPA = {"name": "Ada Brandt", "email": "ada@client.example", "company": "Client Shop GmbH"}
OTHER = "zed@other.example"
CORPUS = json.loads((Path(__file__).parents[2] / "fixtures/hostile/corpus.json").read_text())
MALFORMED = [entry["payload"] for entry in CORPUS["outbox_payloads"]]


@pytest.fixture
def app(backend_app):
    return backend_app


def _queue(app, kind: str, recipient: str, payload: object) -> int:
    with app.app_context(), session_scope(app) as session:
        row = OutboxMessage(kind=kind, recipient=recipient, payload=payload)
        session.add(row)
        session.flush()
        return row.id


def _queue_text(app, kind: str, recipient: str, text: str) -> int:
    """A payload written by hand, as stored (SQLite keeps any text in a JSON column)."""
    pk = _queue(app, kind, recipient, {})
    sql(app, "UPDATE outbox SET payload = :text WHERE id = :pk", text=text, pk=pk)
    return pk


def _left(app) -> set[int]:
    return {pk for (pk,) in sql(app, "SELECT id FROM outbox")}


def test_erase_takes_malformed_mails_to_the_requester_along(app):
    client = app.test_client()
    assert client.post("/api/dpa-requests", json=DPA).status_code == 202
    good = _left(app)
    to_ada = [_queue(app, DPA_COPY, DPA["email"], payload) for payload in MALFORMED]
    to_ada.append(_queue(app, DPA_TEAM, DPA["email"].upper(), []))
    if app.config["DATABASE_URL"].startswith("sqlite"):
        to_ada.append(_queue_text(app, DPA_COPY, DPA["email"], "not JSON {"))
    to_other = _queue(app, DPA_COPY, OTHER, [])
    report_mail = _queue(app, REPORT_RECEIVED, DPA["email"], [])

    result = app.test_cli_runner().invoke(args=["requests", "erase", "dpa-1"])

    assert result.exit_code == 0, result.output
    assert result.output == "dpa-1 erased\n"
    left = _left(app)
    assert not left & (good | set(to_ada))
    assert left == {to_other, report_mail}  # another address; another kind of request


def test_purge_takes_old_malformed_mails_along(app):
    old = [_queue(app, SUBJECT_ACK, OTHER, payload) for payload in MALFORMED]
    old.append(_queue(app, REPORT_TEAM, OTHER, []))
    if app.config["DATABASE_URL"].startswith("sqlite"):
        old.append(_queue_text(app, REPORT_RECEIVED, OTHER, "[[["))
    long_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=RETENTION_DAYS + 1)
    for pk in old:
        sql(app, "UPDATE outbox SET created_at = :old WHERE id = :pk", old=long_ago, pk=pk)
    young = _queue(app, DPA_COPY, OTHER, [])

    result = app.test_cli_runner().invoke(args=["requests", "purge"])

    assert result.exit_code == 0, result.output
    # Every malformed request mail; the report mails are counted apart.
    assert f"and {len(MALFORMED)} mail(s) about them" in result.output
    assert _left(app) == {young}


def test_a_malformed_mail_is_not_sent(app, smtp_server, send_all):
    rows = [_queue(app, DPA_COPY, OTHER, payload) for payload in MALFORMED]
    rows.append(_queue(app, REPORT_APPROVED, OTHER, []))
    send_all(app)
    assert smtp_server.messages == []
    statuses = sql(app, "SELECT status, last_error FROM outbox")
    assert len(statuses) == len(rows)
    assert {status for status, _ in statuses} == {"cancelled"}, statuses


def test_the_malformed_payloads_are_stored_as_written(app):
    """The probes above are what they claim: the column holds these very payloads."""
    pk = _queue(app, DPA_COPY, OTHER, [])
    [(stored,)] = sql(app, "SELECT payload FROM outbox WHERE id = :pk", pk=pk)
    assert (json.loads(stored) if isinstance(stored, str) else stored) == []
