"""Deliveries, end to end: `notify` queues them, the real sender posts them to a real
local HTTP receiver, and what arrives is verified as the receiver's owner would."""

from __future__ import annotations

import copy
import json
import time

from standardwebhooks.webhooks import Webhook

from subscribe_service.dev.webhook_receiver import WebhookReceiver
from tests.support.changes_data import FAQ_EDITORIAL, NEW_SUBPROCESSOR
from tests.support.notices_helpers import invoke
from tests.support.webhook_helpers import add_endpoints, delivery_rows


def notify(app, changes_file, *records) -> str:
    return invoke(app, "notify", "--all", str(changes_file(*records))).output


def test_a_standard_delivery_verifies_with_the_standardwebhooks_library(
    app, endpoint, receiver: WebhookReceiver, changes_file, send_all
):
    hook = endpoint()
    output = notify(app, changes_file, NEW_SUBPROCESSOR)
    assert "1 webhook deliveries" in output
    counts = send_all(app)
    assert counts.sent == 1
    [request] = receiver.to("/hook")
    headers = request.headers
    assert headers["content-type"] == "application/json"
    assert headers["webhook-id"].startswith("msg_")
    assert headers["webhook-signature"].startswith("v1,")
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    event = Webhook(hook.secret).verify(request.body, headers)
    assert event["type"] == "change.announced"
    assert event["data"] == json.loads(json.dumps(NEW_SUBPROCESSOR))
    assert event["timestamp"].endswith("Z")
    # Another secret does not verify: the signature is the endpoint's own.
    other = Webhook("whsec_" + "A" * 43 + "=")
    try:
        other.verify(request.body, headers)
    except Exception as err:  # standardwebhooks raises its own WebhookVerificationError
        assert "signature" in str(err).lower()
    else:
        raise AssertionError("a wrong secret verified")
    [(delivery, row)] = delivery_rows(app, hook.id)
    assert (row.status, row.smtp_reply) == ("sent", "200 OK")
    assert delivery.event_id == headers["webhook-id"]


def test_slack_and_teams_get_their_own_message_shapes(
    app, endpoint, receiver, changes_file, send_all
):
    endpoint("/slack", format="slack")
    endpoint("/teams", format="teams")
    notify(app, changes_file, NEW_SUBPROCESSOR)
    send_all(app)
    [slack] = receiver.to("/slack")
    message = json.loads(slack.body)
    assert NEW_SUBPROCESSOR["title"] in message["text"]
    types = [block["type"] for block in message["blocks"]]
    assert types == ["header", "section", "section", "context", "actions"]
    assert message["blocks"][2]["text"]["text"].startswith("• Added: Brightwave Mail Inc.\n")
    assert message["blocks"][4]["elements"][0]["url"] == NEW_SUBPROCESSOR["diff_url"]
    [teams] = receiver.to("/teams")
    card_message = json.loads(teams.body)
    assert card_message["type"] == "message"
    [attachment] = card_message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["body"][1]["text"] == NEW_SUBPROCESSOR["title"]
    assert card["actions"][0] == {
        "type": "Action.OpenUrl",
        "title": "See what changed",
        "url": NEW_SUBPROCESSOR["diff_url"],
    }
    # Both are signed too (harmless to Slack and Teams, useful behind a relay).
    assert slack.headers["webhook-signature"].startswith("v1,")


def test_only_the_topics_and_products_an_endpoint_chose(
    app, endpoint, receiver, changes_file, send_all
):
    endpoint("/dpa", topics=["dpa"])
    endpoint("/analytics", products=["analytics"])
    endpoint("/messaging", products=["messaging"])
    endpoint("/all")
    record = copy.deepcopy(NEW_SUBPROCESSOR)
    record["products"] = ["messaging"]  # as the build writes it: every entry serves it
    for kind in ("added", "removed", "changed"):
        for served in record["diff"][kind]:
            served["products"] = ["messaging"]
    assert "2 webhook deliveries" in notify(app, changes_file, record)
    notify(app, changes_file, FAQ_EDITORIAL)  # editorial: nobody is told
    send_all(app)
    assert sorted(r.path for r in receiver.received) == ["/all", "/messaging"]


def test_a_failed_post_is_retried_with_the_same_webhook_id(
    app, endpoint, receiver, changes_file, send_all
):
    hook = endpoint()
    receiver.answer("/hook", 503, times=2)
    notify(app, changes_file, NEW_SUBPROCESSOR)
    deadline = time.monotonic() + 10
    while len(receiver.to("/hook")) < 3 and time.monotonic() < deadline:
        send_all(app)
        time.sleep(0.05)
    first, second, third = receiver.to("/hook")
    assert (
        first.headers["webhook-id"] == second.headers["webhook-id"] == third.headers["webhook-id"]
    )
    Webhook(hook.secret).verify(third.body, third.headers)
    [(_delivery, row)] = delivery_rows(app, hook.id)
    assert (row.status, row.attempts) == ("sent", 3)


def test_redirects_are_not_followed(app, endpoint, receiver, changes_file, send_all):
    endpoint()
    receiver.answer("/hook", 302, headers={"Location": receiver.url("/elsewhere")})
    notify(app, changes_file, NEW_SUBPROCESSOR)
    send_all(app)
    assert receiver.to("/elsewhere") == []
    [(_d, row)] = delivery_rows(app)
    assert row.status == "queued" and row.last_error.startswith("302")


def test_an_address_refused_at_send_time_fails_the_delivery(
    make_app, receiver, smtp_server, send_all, changes_file
):
    from tests.support.webhook_helpers import register_and_confirm

    app = make_app(WEBHOOK_ALLOW_HOSTS="127.0.0.1")
    register_and_confirm(app, smtp_server, send_all, receiver.url())
    notify(app, changes_file, NEW_SUBPROCESSOR)
    app.config["WEBHOOK_ALLOW_HOSTS"] = ""  # the operator withdrew the host meanwhile
    counts = send_all(app)
    assert counts.failed == 1 and receiver.received == []
    [(_d, row)] = delivery_rows(app)
    assert row.status == "failed" and "refused" in row.last_error


def test_a_receiver_that_never_answers_is_given_up_on_at_the_deadline(
    make_app, receiver, smtp_server, send_all, changes_file
):
    from tests.support.webhook_helpers import register_and_confirm

    app = make_app(WEBHOOK_ALLOW_HOSTS="127.0.0.1", WEBHOOK_TIMEOUT=0.5)
    register_and_confirm(app, smtp_server, send_all, receiver.url())
    receiver.answer("/hook", 200, delay=3)
    notify(app, changes_file, NEW_SUBPROCESSOR)
    started = time.monotonic()
    counts = send_all(app)
    assert time.monotonic() - started < 2.5
    assert counts.retried == 1
    [(_d, row)] = delivery_rows(app)
    assert "no answer" in row.last_error


def test_register_notify_deliver_and_redeliver_on_both_databases(
    backend_app, receiver, smtp_server, send_all, changes_file
):
    from tests.support.webhook_helpers import register_and_confirm

    app = backend_app
    hook = register_and_confirm(app, smtp_server, send_all, receiver.url(), products=["messaging"])
    receiver.answer("/hook", 500, times=1)
    assert "1 webhook deliveries" in notify(app, changes_file, NEW_SUBPROCESSOR)
    deadline = time.monotonic() + 10
    while len(receiver.to("/hook")) < 2 and time.monotonic() < deadline:
        send_all(app)
        time.sleep(0.05)
    [(delivery, row)] = delivery_rows(app, hook.id)
    assert (row.status, row.attempts) == ("sent", 2)
    answer = app.test_client().post(
        f"{hook.manage_path}/redeliver/{delivery.id}", headers={"Origin": "http://127.0.0.1:8000"}
    )
    assert answer.status_code == 202
    send_all(app)
    assert [r.headers["webhook-id"] for r in receiver.to("/hook")] == [delivery.event_id] * 3
    for request in receiver.to("/hook"):
        Webhook(hook.secret).verify(request.body, request.headers)


def test_a_hostile_reason_phrase_is_stored_without_its_nul_on_both_databases(
    backend_app, receiver, smtp_server, send_all, changes_file
):
    """PostgreSQL refuses a NUL in text: stored as sent, it must not stop the batch."""
    from tests.support.webhook_helpers import register_and_confirm

    app = backend_app
    hook = register_and_confirm(app, smtp_server, send_all, receiver.url())
    receiver.answer("/hook", 503, times=1, reason="Bu\x00sy")
    assert "1 webhook deliveries" in notify(app, changes_file, NEW_SUBPROCESSOR)
    assert send_all(app).retried == 1
    [(_, row)] = delivery_rows(app, hook.id)
    assert (row.status, row.last_error) == ("queued", "503 Busy")
    receiver.answer("/hook", 200, reason="O\x00K")
    deadline = time.monotonic() + 10
    while len(receiver.to("/hook")) < 2 and time.monotonic() < deadline:
        send_all(app)
        time.sleep(0.05)
    [(_, row)] = delivery_rows(app, hook.id)
    assert (row.status, row.smtp_reply) == ("sent", "200 OK")


def test_a_delivery_older_than_its_window_is_given_up_after_one_attempt(
    make_app, receiver, smtp_server, send_all, changes_file
):
    """A sender that was down longer than the retry window does not fire every missed
    retry in a row: the late attempt is the last one."""
    from tests.support.webhook_helpers import register_and_confirm

    app = make_app(
        WEBHOOK_ALLOW_HOSTS="127.0.0.1", WEBHOOK_BACKOFF_SECONDS=0.05, WEBHOOK_RETRY_SECONDS=0.3
    )
    register_and_confirm(app, smtp_server, send_all, receiver.url())
    receiver.answer("/hook", 503)
    notify(app, changes_file, NEW_SUBPROCESSOR)
    time.sleep(0.4)  # the sender was down
    counts = send_all(app)
    assert (counts.failed, counts.retried) == (1, 0)
    assert len(receiver.to("/hook")) == 1
    [(_d, row)] = delivery_rows(app)
    assert row.status == "failed" and row.last_error.startswith("gave up: 503")


def test_under_send_rate_the_posts_are_spread_over_the_batch(app, receiver, changes_file, send_all):
    """SEND_RATE paces what reaches the endpoints, a window of WEBHOOK_CONCURRENCY at a
    time, not only the sender's bookkeeping (posts once all came at the batch's end)."""
    count, rate, window = 16, 20, 4
    add_endpoints(app, receiver, count)
    notify(app, changes_file, NEW_SUBPROCESSOR)
    app.config.update(SEND_RATE=rate, WEBHOOK_CONCURRENCY=window)
    started = time.monotonic()
    assert send_all(app).sent == count
    times = sorted(r.at for r in receiver.received)
    assert times[-1] - times[0] >= (count - window) / rate * 0.9, "posted in one burst"
    for first in range(count - window):  # never more than a window ahead of the rate
        assert times[first + window] - started >= (first + 1) / rate * 0.9
