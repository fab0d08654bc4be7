"""`flask notify`: one delivery per confirmed subscriber of the topic, once, and never twice.

Runs on SQLite and on PostgreSQL (`backend_app`).
"""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from subscribe_service.infra.db import session_scope
from subscribe_service.infra.models import Notice, OutboxMessage
from tests.support.changes_data import DPA_21, FAQ_EDITORIAL, FIRST_LIST, NEW_SUBPROCESSOR
from tests.support.notices_helpers import add_subscriber_to, count_rows, invoke, outbox_rows


@pytest.fixture
def app(backend_app):
    return backend_app


def notices(app) -> dict[str, bool]:
    """change id -> baseline."""
    with app.app_context(), session_scope(app) as session:
        return {n.change_id: n.baseline for n in session.scalars(select(Notice))}


def recipients(app, change_id: str) -> set[str]:
    with app.app_context(), session_scope(app) as session:
        rows = session.scalars(
            select(OutboxMessage.recipient)
            .join(Notice, Notice.id == OutboxMessage.notice_id)
            .where(Notice.change_id == change_id, OutboxMessage.kind == "notice")
        )
        return set(rows)


def test_queues_one_delivery_per_confirmed_subscriber_of_the_topic(app, changes_file):
    add_subscriber_to(app, "ann@client.example", topics=["subprocessors", "dpa"])
    add_subscriber_to(app, "bob@client.example", topics=["subprocessors"])
    add_subscriber_to(app, "pending@client.example", status="pending")
    add_subscriber_to(app, "gone@client.example", status="unsubscribed", topics=[])
    add_subscriber_to(app, "dpa-only@client.example", topics=["dpa"])
    add_subscriber_to(app, "bounced@client.example", suppressed=True)
    source = changes_file(NEW_SUBPROCESSOR, DPA_21, FAQ_EDITORIAL)

    result = invoke(app, "notify", "--all", str(source))

    assert result.exit_code == 0, result.output
    assert "3 changes found (1 editorial, never notified; 0 already known)" in result.output
    assert "subprocessors/2025-03-01: 2 deliveries queued" in result.output
    assert "dpa/2.1: 2 deliveries queued" in result.output
    assert "2 notices created, 4 deliveries queued." in result.output
    assert recipients(app, "subprocessors/2025-03-01") == {
        "ann@client.example",
        "bob@client.example",
    }
    assert recipients(app, "dpa/2.1") == {"ann@client.example", "dpa-only@client.example"}
    assert notices(app) == {"subprocessors/2025-03-01": False, "dpa/2.1": False}
    # The notice keeps the published record whole: the mail is rendered from it.
    with app.app_context(), session_scope(app) as session:
        notice = session.scalar(select(Notice).where(Notice.topic == "dpa"))
        assert notice.change == DPA_21 and notice.version == "2.1"
        assert notice.site["privacy_contact"] == "privacy@larkspur.example"
    assert {r.status for r in outbox_rows(app, kind="notice")} == {"queued"}


def test_running_twice_or_on_an_older_file_creates_nothing(app, changes_file):
    add_subscriber_to(app, "ann@client.example")
    newer = changes_file(FIRST_LIST, NEW_SUBPROCESSOR)
    older = changes_file(FIRST_LIST)
    assert invoke(app, "notify", "--all", str(newer)).exit_code == 0
    before = count_rows(app, OutboxMessage)
    assert before == 2

    again = invoke(app, "notify", str(newer))
    assert "2 changes found (0 editorial, never notified; 2 already known)" in again.output
    assert "0 notices created, 0 deliveries queued." in again.output
    invoke(app, "notify", str(older))
    assert count_rows(app, OutboxMessage) == before
    assert count_rows(app, Notice) == 2


def test_a_subscriber_who_joins_later_is_not_sent_old_notices(app, changes_file):
    source = changes_file(NEW_SUBPROCESSOR)
    invoke(app, "notify", "--all", str(source))
    add_subscriber_to(app, "late@client.example")
    invoke(app, "notify", str(source))
    assert recipients(app, "subprocessors/2025-03-01") == set()


def test_editorial_changes_never_notify(app, changes_file):
    add_subscriber_to(app, "ann@client.example", topics=["faq"])
    result = invoke(app, "notify", str(changes_file(FAQ_EDITORIAL)))
    assert "1 changes found (1 editorial" in result.output
    assert notices(app) == {} and count_rows(app, OutboxMessage) == 0


def test_a_first_run_without_baseline_mails_nobody_and_says_what_to_run(app, changes_file):
    add_subscriber_to(app, "ann@client.example", topics=["subprocessors", "dpa"])
    history = str(changes_file(FIRST_LIST, DPA_21))
    result = app.test_cli_runner().invoke(args=["notify", history])
    assert result.exit_code == 1
    assert "never recorded a baseline" in result.output
    assert f"flask --app subscribe_service notify --baseline {history}" in result.output
    assert "--all" in result.output
    assert count_rows(app, Notice) == 0 and count_rows(app, OutboxMessage) == 0

    # After the baseline the same command mails only what is new.
    assert invoke(app, "notify", "--baseline", history).exit_code == 0
    newer = str(changes_file(FIRST_LIST, DPA_21, NEW_SUBPROCESSOR))
    result = invoke(app, "notify", newer)
    assert "1 notice created, 1 deliveries queued." in result.output


def test_all_means_it_and_cannot_be_combined_with_baseline(app, changes_file):
    add_subscriber_to(app, "ann@client.example", topics=["subprocessors", "dpa"])
    history = str(changes_file(FIRST_LIST, DPA_21))
    both = app.test_cli_runner().invoke(args=["notify", "--all", "--baseline", history])
    assert both.exit_code == 2 and "give one" in both.output
    result = invoke(app, "notify", "--all", history)
    assert "2 notices created, 2 deliveries queued." in result.output


def test_notices_on_a_new_service_suggests_the_baseline_first(app):
    output = invoke(app, "notices").output
    assert "notify --baseline SOURCE" in output and "nobody is mailed" in output


def test_baseline_records_history_without_mailing_anyone(app, changes_file):
    add_subscriber_to(app, "ann@client.example", topics=["subprocessors", "dpa"])
    history = changes_file(FIRST_LIST, DPA_21, FAQ_EDITORIAL)
    result = invoke(app, "notify", str(history), "--baseline")
    assert result.exit_code == 0, result.output
    assert "subprocessors/2024-09-01: recorded as already announced (baseline)" in result.output
    assert "2 notices recorded as baseline; nobody is mailed." in result.output
    assert notices(app) == {"subprocessors/2024-09-01": True, "dpa/2.1": True}
    assert count_rows(app, OutboxMessage) == 0

    # The next published change is the first one anybody hears about.
    result = invoke(app, "notify", str(changes_file(FIRST_LIST, DPA_21, NEW_SUBPROCESSOR)))
    assert "1 notice created, 1 deliveries queued." in result.output
    assert [r.recipient for r in outbox_rows(app)] == ["ann@client.example"]


def test_invalid_file_names_the_change_and_field_and_writes_nothing(app, changes_file):
    add_subscriber_to(app, "ann@client.example")
    broken = copy.deepcopy(NEW_SUBPROCESSOR)
    broken["objection_deadline"] = "end of February"
    source = changes_file(DPA_21, broken)
    result = app.test_cli_runner().invoke(args=["notify", str(source)])
    assert result.exit_code == 1
    assert "cannot use this changes.json; nothing was queued" in result.output
    assert "change #2 ('subprocessors/2025-03-01'), field objection_deadline" in result.output
    assert "Traceback" not in result.output
    # All or nothing: the valid DPA change was not recorded either.
    assert count_rows(app, Notice) == 0


def test_missing_source_is_one_clear_line(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["notify", str(tmp_path / "nope.json")])
    assert result.exit_code == 1
    assert "cannot read" in result.output and "No such file or directory" in result.output


def test_a_change_is_queued_only_for_the_subscribers_of_the_products_it_touches(
    app, changes_file
):
    """The products filter is SQL on both databases (migration 0007_subscription_products)."""
    from subscribe_service.infra.models import Subscriber, SubscriberProduct

    for email, products in (
        ("sms@client.example", ["sms"]),
        ("inbox@client.example", ["inbox"]),
        ("both@client.example", ["inbox", "sms"]),
        ("every@client.example", []),
    ):
        subscriber_id = add_subscriber_to(app, email, topics=["subprocessors", "dpa"])
        with app.app_context(), session_scope(app) as session:
            subscriber = session.get(Subscriber, subscriber_id)
            subscriber.products = [SubscriberProduct(product=p) for p in products]
    sms_only = copy.deepcopy(NEW_SUBPROCESSOR)
    sms_only["products"] = ["sms"]  # as the build writes it: each entry serves SMS only
    for kind in ("added", "removed", "changed"):
        for entry in sms_only["diff"][kind]:
            entry["products"] = ["sms"]
    source = changes_file(sms_only, DPA_21)  # DPA_21 has no products: every product

    result = invoke(app, "notify", "--all", str(source))

    assert "subprocessors/2025-03-01: 3 deliveries queued" in result.output, result.output
    assert recipients(app, "subprocessors/2025-03-01") == {
        "sms@client.example",
        "both@client.example",
        "every@client.example",
    }
    assert len(recipients(app, "dpa/2.1")) == 4
