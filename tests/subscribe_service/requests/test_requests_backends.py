"""The request flow on SQLite and PostgreSQL: record, merge, mail, list, purge."""

from __future__ import annotations

import datetime as dt

from tests.support.requests_data import CURRENT_DPA, PRIVACY, RETENTION_DAYS, sql

DPA = {"name": "Ada Brandt", "email": "ada@client.example", "company": "Client Shop GmbH"}
SUBJECT = {
    "name": "Chris Okafor",
    "email": "chris@person.example",
    "request_type": "portability",
    "controller": "Tulip Florists",
}


def test_flow_on_each_database(backend_app, smtp_server, send_all):
    app = backend_app
    client = app.test_client()
    for _ in range(2):
        assert client.post("/api/dpa-requests", json=DPA).status_code == 202
    assert client.post("/api/subject-requests", json=SUBJECT).status_code == 202
    send_all(app)
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(
        [DPA["email"], SUBJECT["email"], PRIVACY, PRIVACY]
    )
    assert sql(app, "SELECT times_requested, current_version FROM dpa_requests") == [
        (2, CURRENT_DPA)
    ]

    old = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=RETENTION_DAYS + 1)
    sql(app, "UPDATE subject_requests SET created_at = :old", old=old)
    result = app.test_cli_runner().invoke(args=["requests", "purge"])
    assert "0 DPA request(s), 1 data subject request(s) and 2 mail(s)" in result.output
    listing = app.test_cli_runner().invoke(args=["requests", "list"]).output
    assert "dpa-1" in listing and "subject-1" not in listing
