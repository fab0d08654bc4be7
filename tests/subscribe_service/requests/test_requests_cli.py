"""`flask --app subscribe_service requests`: list, update, erase, purge after retention."""

from __future__ import annotations

import threading

from subscribe_service.mail.sender import poll
from tests.support.requests_data import PRIVACY, RETENTION_DAYS, sql

DPA = {"name": "Ada Brandt", "email": "ada@client.example", "company": "Client Shop GmbH"}
SUBJECT = {
    "name": "Chris Okafor",
    "email": "chris@person.example",
    "request_type": "access",
    "controller": "Tulip Florists",
}


def _submit_both(client) -> None:
    assert client.post("/api/dpa-requests", json=DPA).status_code == 202
    assert client.post("/api/subject-requests", json=SUBJECT).status_code == 202


def _age(app, table: str, days: int) -> None:
    """Move every row of `table` `days` into the past (and its mails with it)."""
    sql(app, f"UPDATE {table} SET created_at = datetime('now', '-{days} days')")


def test_list_and_update(app, client, runner):
    assert runner.invoke(args=["requests", "list"]).output == "no requests\n"
    _submit_both(client)
    listing = runner.invoke(args=["requests", "list"]).output
    assert "dpa-1" in listing and "Client Shop GmbH" in listing and "sent 2.0" in listing
    assert "subject-1" in listing and "access request, controller Tulip Florists" in listing

    result = runner.invoke(args=["requests", "update", "subject-1", "--status", "referred"])
    assert result.exit_code == 0
    assert result.output == "subject-1 is now referred\n"
    referred = runner.invoke(args=["requests", "list", "--status", "referred"]).output
    assert "subject-1" in referred and "dpa-1" not in referred
    received = runner.invoke(args=["requests", "list", "--status", "received"]).output
    assert "dpa-1" in received and "subject-1" not in received


def test_update_explains_mistakes(app, client, runner):
    _submit_both(client)
    unknown = runner.invoke(args=["requests", "update", "subject-9", "--status", "closed"])
    assert unknown.exit_code == 1
    assert "no request subject-9" in unknown.output
    malformed = runner.invoke(args=["requests", "update", "42", "--status", "closed"])
    assert malformed.exit_code == 1
    assert "write it as dpa-12 or subject-7" in malformed.output
    bad_status = runner.invoke(args=["requests", "update", "dpa-1", "--status", "done"])
    assert bad_status.exit_code == 2
    assert "received" in bad_status.output and "closed" in bad_status.output


def test_erase_removes_the_request_and_its_unsent_mails(app, client, runner, smtp_server, send_all):
    _submit_both(client)
    result = runner.invoke(args=["requests", "erase", "subject-1"])
    assert result.exit_code == 0
    assert sql(app, "SELECT count(*) FROM subject_requests") == [(0,)]
    send_all(app)
    # Only the DPA request's two mails went out; nothing about the erased request.
    assert sorted(m["To"] for m in smtp_server.messages) == sorted([DPA["email"], PRIVACY])
    assert sql(app, "SELECT kind FROM outbox ORDER BY id") == [
        ("dpa_request_copy",),
        ("dpa_request_team",),
    ]
    assert "subject-1" not in runner.invoke(args=["requests", "list"]).output


def test_purge_deletes_only_what_is_past_retention(app, client, runner, send_all):
    _submit_both(client)
    send_all(app)
    _age(app, "dpa_requests", RETENTION_DAYS + 1)
    _age(app, "subject_requests", RETENTION_DAYS - 1)

    result = runner.invoke(args=["requests", "purge"])
    assert result.exit_code == 0
    assert result.output == (
        "purged 1 DPA request(s), 0 data subject request(s) and 2 mail(s) about them\n"
    )
    assert sql(app, "SELECT count(*) FROM dpa_requests") == [(0,)]
    assert sql(app, "SELECT count(*) FROM subject_requests") == [(1,)]
    # The sent mails about the purged request held its data too.
    assert sql(app, "SELECT kind FROM outbox ORDER BY id") == [
        ("subject_request_ack",),
        ("subject_request_referral",),
    ]


def test_the_polling_sender_purges_on_its_own(app, client, smtp_server):
    _submit_both(client)
    _age(app, "dpa_requests", RETENTION_DAYS + 5)
    _age(app, "subject_requests", RETENTION_DAYS + 5)
    app.config["SEND_POLL_SECONDS"] = 0.05
    stop = threading.Event()
    worker = threading.Thread(target=poll, args=(app, stop.is_set), daemon=True)
    worker.start()
    try:
        for _ in range(100):
            if sql(app, "SELECT count(*) FROM subject_requests") == [(0,)]:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        worker.join(timeout=10)
    assert sql(app, "SELECT count(*) FROM dpa_requests") == [(0,)]
    assert sql(app, "SELECT count(*) FROM subject_requests") == [(0,)]
    # Purged before the first batch was claimed: none of their mails went out.
    assert smtp_server.messages == []
